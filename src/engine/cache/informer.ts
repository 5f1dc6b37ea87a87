/**
 * A resilient informer, after client-go's reflector: list, then watch from the list's
 * resourceVersion; a watch that ends normally is resumed from the last resourceVersion
 * seen (bookmarks included), 410 Gone lists again, and any other failure restarts it
 * with exponential backoff. It tracks whether the first list has landed and passes the
 * previous object to update handlers.
 */
import type { Logger } from "pino";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubernetesObject } from "../../kube/object.js";
import { KubeApiError } from "../../kube/http.js";
import { type WatchEnd, type WatchEvent, watch } from "../../kube/watch.js";
import { ItemExponentialRateLimiter, type RateLimiter } from "../queue/ratelimiter.js";

export type { KubernetesObject } from "../../kube/object.js";

/** What a list call returns: raw JSON from the apiserver fits. */
export interface ListResult<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

export type ListFn<T extends KubernetesObject> = (options: {
  labelSelector?: string;
}) => Promise<ListResult<T>>;

export interface InformerOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  /** Collection path to watch, e.g. /api/v1/namespaces/ns/configmaps or /apis/group/version/plural. */
  path: string;
  /** Lists the same collection; must apply the label selector it is given. */
  list: ListFn<T>;
  labelSelector?: string;
  logger?: Logger;
  /** Delay between restarts; 1 s doubling to 30 s by default (close to client-go's reflector). */
  backoff?: RateLimiter;
  /**
   * client-go's SetTransform: what the cache keeps of each listed or watched object, and what
   * handlers get. It must keep metadata.name, namespace and resourceVersion. Lets a cache of
   * every object of a kind hold a few fields instead of whole objects.
   */
  transform?: (obj: T) => T;
  /** Accept header of the watch (the list function sets its own), e.g. for PartialObjectMetadata. */
  watchAccept?: string;
  /** How long a watch may stay silent before it is re-established (kube/watch.ts's WATCH_IDLE_MS by default). */
  watchIdleMs?: number;
  /** Told when the apiserver starts refusing the credentials (401) or the right (403) to list or watch. */
  onRefused?: (err: KubeApiError) => void;
}

export interface InformerHandlers<T extends KubernetesObject> {
  add?(obj: T): void;
  /** `previous` is what the cache held before; undefined only if it never saw the object. */
  update?(obj: T, previous: T | undefined): void;
  delete?(obj: T): void;
}

/** client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" when cluster-scoped. */
export function objectKey(obj: {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}): string {
  const namespace = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return namespace ? `${namespace}/${name}` : name;
}

const RESTART_KEY = "restart";
/** A watch that ends sooner than this without an event made no progress (client-go's "very short watch"). */
const SHORT_WATCH_MS = 1000;

/** How one list-and-watch attempt went, to decide how the next one starts. */
interface Attempt {
  relisted: boolean;
  events: number;
  startedAt: number;
}

function sameVersion(a: KubernetesObject, b: KubernetesObject): boolean {
  const version = a.metadata?.resourceVersion;
  return version !== undefined && version === b.metadata?.resourceVersion;
}

export class Informer<T extends KubernetesObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private readonly backoff: RateLimiter;
  /** Where the next watch starts; empty: list first. */
  private resourceVersion = "";
  private synced = false;
  private stopped = true;
  private stopping = new AbortController();
  private restartTimer: NodeJS.Timeout | undefined;
  private restartCount = 0;
  private silenceCount = 0;
  /** Why the apiserver refuses this informer now (401, 403); cleared by the next list or event. */
  private refusal: KubeApiError | undefined;
  private inflight: Promise<void> | undefined;
  private watching: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.backoff = options.backoff ?? new ItemExponentialRateLimiter(1000, 30_000);
  }

  /** Register handlers; objects already cached are replayed as adds, like client-go. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    for (const obj of this.cache.values()) this.call(() => handlers.add?.(obj));
  }

  /** Start listing and watching. Resolves after the first attempt, successful or not; see waitForSync. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = new AbortController();
    await this.run();
  }

  /** Stops; resolves once no list is in flight and the watch connection is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    this.stopping.abort();
    await this.inflight;
    await this.watching;
  }

  /** True once a full list has been loaded into the cache (it stays true across restarts). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced (or once stopped, so callers never hang on shutdown). */
  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** How often the informer had to be restarted after an error. */
  restarts(): number {
    return this.restartCount;
  }

  /**
   * The apiserver refuses the credentials or the right to list or watch: what the cache holds
   * is no longer kept up to date, however synced it was.
   */
  refused(): KubeApiError | undefined {
    return this.refusal;
  }

  /** How often a watch went silent past its idle timeout and was re-established. */
  silences(): number {
    return this.silenceCount;
  }

  /** By objectKey: "namespace/name" or "name". */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  private run(): Promise<void> {
    this.inflight = this.attempt();
    return this.inflight;
  }

  private async attempt(): Promise<void> {
    const attempt: Attempt = { relisted: !this.resourceVersion, events: 0, startedAt: 0 };
    try {
      if (attempt.relisted) await this.relist();
      if (this.stopped) return;
      this.markSynced();
      attempt.startedAt = Date.now();
      const opened = await watch(
        this.options.kubeConfig,
        {
          path: this.options.path,
          resourceVersion: this.resourceVersion,
          ...(this.options.labelSelector === undefined ? {} : { labelSelector: this.options.labelSelector }),
          ...(this.options.watchAccept === undefined ? {} : { accept: this.options.watchAccept }),
          ...(this.options.watchIdleMs === undefined ? {} : { idleTimeoutMs: this.options.watchIdleMs }),
          signal: this.stopping.signal,
        },
        (event) => {
          attempt.events++;
          this.handle(event);
        },
      );
      this.watching = opened.done.then((end) => {
        this.watchEnded(end, attempt);
      });
    } catch (err) {
      // A list failure; watch() itself reports through `done`.
      this.scheduleRestart(err, true);
    }
  }

  private async relist(): Promise<void> {
    const selector =
      this.options.labelSelector === undefined ? {} : { labelSelector: this.options.labelSelector };
    const result = await this.options.list(selector);
    if (this.stopped) return;
    this.backoff.forget(RESTART_KEY);
    this.refusal = undefined;
    this.replace(result.items);
    this.resourceVersion = result.metadata?.resourceVersion ?? "";
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private watchEnded(end: WatchEnd, attempt: Attempt): void {
    if (this.stopped) return;
    if (end.kind === "failed") {
      this.scheduleRestart(end.error, true);
      return;
    }
    if (end.kind === "silent") {
      this.silenceCount++;
      this.options.logger?.info(
        { path: this.options.path, idleMs: end.idleMs },
        "watch silent past its idle timeout, taken as dead; resuming on a new connection",
      );
    }
    const progressed = attempt.events > 0 || Date.now() - attempt.startedAt >= SHORT_WATCH_MS;
    if (end.kind === "expired") {
      this.resourceVersion = "";
      // 410 right after a fresh list is no resourceVersion problem: back off instead of looping.
      if (attempt.relisted && !progressed) this.scheduleRestart(end.error, true);
      else void this.run();
      return;
    }
    if (progressed) void this.run();
    else this.scheduleRestart(new Error("watch closed at once without events"), false);
  }

  /** `counted`: a failure (logged, counted in restarts()); otherwise only a pause before resuming. */
  private scheduleRestart(err: unknown, counted: boolean): void {
    if (this.stopped || this.restartTimer) return;
    if (err instanceof KubeApiError && (err.status === 401 || err.status === 403)) this.refuse(err);
    const delay = this.backoff.when(RESTART_KEY);
    const fields = { err, path: this.options.path, retryInMs: delay };
    if (counted) this.options.logger?.warn(fields, "list/watch failed; restarting informer");
    else this.options.logger?.debug(fields, "watch ended early; resuming after a pause");
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      if (counted) this.restartCount++;
      void this.run();
    }, delay);
  }

  private refuse(err: KubeApiError): void {
    const first = this.refusal === undefined;
    this.refusal = err;
    if (first) this.call(() => this.options.onRefused?.(err));
  }

  private handle(event: WatchEvent): void {
    this.refusal = undefined;
    const obj = event.object as T;
    if (event.type === "ADDED" || event.type === "MODIFIED") this.upsert(this.transformed(obj));
    else if (event.type === "DELETED") this.remove(this.transformed(obj));
    // A bookmark: nothing changed, but the watch works.
    else this.backoff.forget(RESTART_KEY);
    const version = obj.metadata?.resourceVersion;
    if (version) this.resourceVersion = version;
  }

  /** A fresh list replaces the cache: what is gone is deleted, the rest added or updated. */
  private replace(items: readonly T[]): void {
    const listed = new Set(items.map((o) => objectKey(o)));
    for (const [key, old] of this.cache) {
      if (listed.has(key)) continue;
      this.cache.delete(key);
      this.emit((h) => h.delete?.(old));
    }
    for (const obj of items) this.upsert(this.transformed(obj));
  }

  private transformed(obj: T): T {
    return this.options.transform ? this.options.transform(obj) : obj;
  }

  private upsert(obj: T): void {
    const key = objectKey(obj);
    const previous = this.cache.get(key);
    this.backoff.forget(RESTART_KEY);
    if (previous && sameVersion(previous, obj)) return;
    this.cache.set(key, obj);
    if (previous) this.emit((h) => h.update?.(obj, previous));
    else this.emit((h) => h.add?.(obj));
  }

  private remove(obj: T): void {
    this.backoff.forget(RESTART_KEY);
    if (this.cache.delete(objectKey(obj))) this.emit((h) => h.delete?.(obj));
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const handlers of this.handlers)
      this.call(() => {
        fn(handlers);
      });
  }

  /** A throwing handler must not break the watch. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error({ err, path: this.options.path }, "informer handler threw");
    }
  }
}
