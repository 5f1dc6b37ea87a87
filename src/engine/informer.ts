/**
 * A resilient informer over client-node's ListWatch. ListWatch only recovers
 * from 410 Gone and timeouts; on any other error it stops for good. This
 * wrapper restarts it with exponential backoff, tracks whether the first list
 * has landed, and passes the previous object to update handlers.
 */
import {
  ADD,
  DELETE,
  ERROR,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  ListWatch,
  UPDATE,
  Watch,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ItemExponentialRateLimiter, type RateLimiter } from "./ratelimiter.js";

/** What a list call returns: a generated client's *List model and raw JSON from the apiserver both fit. */
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

export class Informer<T extends KubernetesObject> {
  private readonly listWatch: ListWatch<T>;
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly syncWaiters: (() => void)[] = [];
  private readonly backoff: RateLimiter;
  private synced = false;
  private listed = false;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartCount = 0;
  private inflight: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.backoff = options.backoff ?? new ItemExponentialRateLimiter(1000, 30_000);
    const list = async (): Promise<KubernetesListObject<T>> => {
      const selector = options.labelSelector === undefined ? {} : { labelSelector: options.labelSelector };
      const result = await options.list(selector);
      this.listed = true;
      this.backoff.forget(RESTART_KEY);
      return result;
    };
    this.listWatch = new ListWatch(
      options.path,
      new Watch(options.kubeConfig),
      list,
      false,
      options.labelSelector,
    );
    this.listWatch.on(ADD, (obj) => {
      this.observed(obj);
      this.emit((h) => h.add?.(obj));
    });
    this.listWatch.on(UPDATE, (obj) => {
      const previous = this.observed(obj);
      this.emit((h) => h.update?.(obj, previous));
    });
    this.listWatch.on(DELETE, (obj) => {
      this.cache.delete(objectKey(obj));
      this.backoff.forget(RESTART_KEY);
      this.emit((h) => h.delete?.(obj));
    });
    this.listWatch.on(ERROR, (err: unknown) => {
      this.scheduleRestart(err);
    });
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
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    await this.listWatch.stop();
    // ListWatch does not re-check for stop after its list returns, so a start in
    // flight can still open a watch: wait for it and close that one too.
    await this.inflight;
    await this.listWatch.stop();
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
    try {
      await this.listWatch.start();
    } catch (err) {
      // ListWatch reports through ERROR; a throw here is a bug in a list function.
      this.scheduleRestart(err);
      return;
    }
    // start() resolves after the list was applied to the cache and the watch opened (or failed).
    if (this.listed && !this.synced && !this.stopped) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopped || this.restartTimer) return;
    const delay = this.backoff.when(RESTART_KEY);
    this.options.logger?.warn(
      { err, path: this.options.path, retryInMs: delay },
      "list/watch failed; restarting informer",
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.restartCount++;
      void this.run();
    }, delay);
  }

  private observed(obj: T): T | undefined {
    const key = objectKey(obj);
    const previous = this.cache.get(key);
    this.cache.set(key, obj);
    this.backoff.forget(RESTART_KEY);
    return previous;
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const handlers of this.handlers)
      this.call(() => {
        fn(handlers);
      });
  }

  /** A throwing handler must not break the watch (ListWatch would swallow it silently). */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.options.logger?.error({ err, path: this.options.path }, "informer handler threw");
    }
  }
}
