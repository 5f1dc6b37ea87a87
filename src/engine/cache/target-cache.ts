/**
 * The engine's memory of its target clusters: one watch per (cluster, kind) of deployed
 * objects, keeping a summary of each (watch-summary.ts), and one metadata-only watch per set
 * of objects plugins keep their records in (a WatchSpec: cluster, kind, namespace, label
 * selector; collection-watch.ts). Plugins read it through TargetCache views, so a reconcile
 * in which nothing changed sends no request at all; the watches wake the API objects that
 * deployed what changed, so drift and readiness are seen at once.
 *
 * A view belongs to one API object: every lookup through it registers that API object's
 * interest in the thing looked up before the plugin reads the thing from the API server,
 * so a change that lands in between still wakes it. `track` settles the final set after
 * the reconcile.
 */
import type { Logger } from "pino";
import { identityKey } from "../../kube/identity.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectRef, TargetCache, WatchedObject, WatchSpec } from "../../plugins/types.js";
import { CollectionWatch, groupId } from "./collection-watch.js";
import { informerFor } from "./kube-informer.js";
import { LazyInformer } from "./lazy-informer.js";
import { OwnerIndex } from "./owner-index.js";
import { LINGER_MS, Retirement } from "./retirement.js";
import { compareStrings } from "../../descriptor/compare.js";
import { mattersToOwner, summarizeObject, type ObjectSummary } from "./watch-summary.js";

/** What an API object has deployed on one target: what wakes it when it changes. */
export interface Deployed {
  objects: readonly ObjectRef[];
  /** The sets of records its plugins keep (DeployPlugin.watches). */
  watches: readonly WatchSpec[];
}

/**
 * Watches are kept per identity, not per server: what one kubeconfig may see another may
 * not (impersonation, a namespace-bound ServiceAccount), and a kubeconfig whose credentials
 * were replaced gets watches of its own instead of the old ones, which die with the old
 * credentials. Those, no longer asked for, retire.
 */
function clusterOf(kc: KubeConfig): string {
  return identityKey(kc);
}

/** For log lines: the server, without the identity's digest. */
function serverOf(cluster: string): string {
  return cluster.slice(0, cluster.lastIndexOf("#"));
}

/** The watch of a kind's objects on a cluster. */
function kindKey(cluster: string, kind: { apiVersion: string; kind: string }): string {
  return `${cluster}|${kind.apiVersion}|${kind.kind}`;
}

/** Ids of watched things are the key of the watch they are seen through, SEP, and what they are. */
const SEP = "\u0000";

/** The id of an object seen through the watch `watch`. */
function objectIdIn(watch: string, ref: { namespace?: string; name: string }): string {
  return `${watch}${SEP}${ref.namespace ?? ""}/${ref.name}`;
}

/** The shared watch of a set: cluster, kind, namespace and label selector. */
function collectionKey(cluster: string, spec: WatchSpec): string {
  return `${cluster}|${spec.apiVersion}|${spec.kind}|${spec.namespace}|${spec.labelSelector}`;
}

/** One owner's part of a set: its label values. */
function groupKey(collection: string, group: string): string {
  return `${collection}${SEP}${group}`;
}

/** The key of the watch an id is seen through. */
function watchOf(id: string): string {
  return id.slice(0, id.indexOf(SEP));
}

export interface TargetCachesOptions {
  /** How long a watch nobody's objects are seen through any more keeps running (default 30 s; retirement.ts). */
  lingerMs?: number;
  /** How long a target watch may stay silent before it is re-established (kube/watch.ts's default). */
  watchIdleMs?: number;
}

interface Verification {
  fingerprint: string;
  desiredHash: string;
  /** Our own forced apply's answer, and when it came: stands in until the watch catches up. */
  written?: { object: WatchedObject; at: number };
}

/** How long our own write may stand in for a watch that has not shown it yet. */
const WRITTEN_MS = 5_000;

/**
 * Whether the watch has not yet shown a write of ours: the object is not watched (yet), or
 * at an older resourceVersion. resourceVersions are compared as numbers, as etcd issues
 * them; anything else is taken as caught up, and the full path runs.
 */
function behind(watched: WatchedObject | undefined, written: WatchedObject): boolean {
  if (!watched) return true;
  const seen = Number(watched.resourceVersion);
  const ours = Number(written.resourceVersion);
  return Number.isSafeInteger(seen) && Number.isSafeInteger(ours) && seen < ours;
}

export class TargetCaches {
  private readonly index = new OwnerIndex(watchOf);
  private readonly verifications = new Map<string, Verification>();
  /**
   * Objects someone deployed that their watch saw deleted and has not seen since: observe
   * takes them as missing without a GET (ADR 0007). Cleared by the watch's next sighting,
   * by our own write of the object, and when nobody cares about it any more.
   */
  private readonly deletions = new Set<string>();
  /** cluster|apiVersion|kind → a watch of that kind's objects, as summaries */
  private readonly kinds = new Map<string, LazyInformer<ObjectSummary>>();
  /** collectionKey → a watch of that set of records */
  private readonly collections = new Map<string, CollectionWatch>();
  private readonly retirement: Retirement;
  /**
   * Kinds (kindKey) an identity may not watch cluster-wide (403): a kubeconfig allowed only in
   * some namespaces. Their objects are watched per namespace instead.
   */
  private readonly scoped = new Set<string>();
  private readonly idle: { watchIdleMs?: number };

  constructor(
    private readonly wake: (owner: string) => void,
    private readonly logger?: Logger,
    options: TargetCachesOptions = {},
  ) {
    this.idle = options.watchIdleMs === undefined ? {} : { watchIdleMs: options.watchIdleMs };
    this.retirement = new Retirement(
      options.lingerMs ?? LINGER_MS,
      (key) => this.index.inUse(key),
      (key) => this.stopWatch(key),
    );
  }

  /** The TargetCache a reconcile of `owner` hands its plugins for `target`. */
  view(owner: string, target: KubeConfig): TargetCache {
    const cluster = clusterOf(target);
    const object = (ref: ObjectRef): WatchedObject | undefined => {
      this.index.add(owner, this.idOf(cluster, ref));
      return this.summary(target, cluster, ref);
    };
    return {
      object,
      list: (spec) => {
        const key = collectionKey(cluster, spec);
        this.index.add(owner, groupKey(key, groupId(spec.labels)));
        return this.collection(target, cluster, spec).list(spec.labels);
      },
      // What is verified is the owner's until it says otherwise, so the record goes with it.
      verify: (ref, fingerprint, desiredHash) => {
        this.index.add(owner, this.idOf(cluster, ref));
        this.verifications.set(this.idOf(cluster, ref), { fingerprint, desiredHash });
      },
      verifyWritten: (ref, written, desiredHash) => {
        this.index.add(owner, this.idOf(cluster, ref));
        this.deletions.delete(this.idOf(cluster, ref));
        this.verifications.set(this.idOf(cluster, ref), {
          fingerprint: written.fingerprint,
          desiredHash,
          written: { object: written, at: Date.now() },
        });
      },
      deleted: (ref) => object(ref) === undefined && this.deletions.has(this.idOf(cluster, ref)),
      verified: (ref, desiredHash) => {
        const watched = object(ref);
        const v = this.verifications.get(this.idOf(cluster, ref));
        if (v?.desiredHash !== desiredHash) return undefined;
        if (watched && v.fingerprint === watched.fingerprint) return watched;
        const written = v.written;
        return written && Date.now() - written.at < WRITTEN_MS && behind(watched, written.object)
          ? written.object
          : undefined;
      },
    };
  }

  /**
   * Settles what `owner` deployed on each of its targets after a reconcile; nothing else wakes
   * it any more, and what it no longer has on a target (or on a target left out) is released.
   */
  track(owner: string, targets: readonly { target: KubeConfig; deployed: Deployed }[]): void {
    const ids: string[] = [];
    for (const { target, deployed } of targets) {
      const cluster = clusterOf(target);
      for (const ref of deployed.objects) this.kindWatch(target, cluster, ref).ensure();
      for (const spec of deployed.watches) {
        const watch = this.collection(target, cluster, spec);
        watch.watchGroup(spec.labels);
        watch.informer.ensure();
      }
      ids.push(
        ...deployed.objects.map((o) => this.idOf(cluster, o)),
        ...deployed.watches.map((w) => groupKey(collectionKey(cluster, w), groupId(w.labels))),
      );
    }
    this.release(this.index.set(owner, ids));
  }

  /** `owner` is gone: nothing wakes it any more, and watches only it needed stop. */
  untrack(owner: string): void {
    this.release(this.index.remove(owner));
  }

  /** Forgets what was known of ids nobody cares about, and retires the watches they leave unneeded. */
  private release(orphaned: readonly string[]): void {
    const watches = new Set<string>();
    for (const id of orphaned) {
      this.verifications.delete(id);
      this.deletions.delete(id);
      watches.add(watchOf(id));
    }
    for (const key of watches) if (!this.index.inUse(key)) this.retirement.retire(key);
  }

  /** Stops a watch and drops what it held; a later lookup starts a new one. */
  private async stopWatch(key: string): Promise<void> {
    const informer = this.kinds.get(key) ?? this.collections.get(key)?.informer;
    this.kinds.delete(key);
    this.collections.delete(key);
    await informer?.stop();
  }

  async stop(): Promise<void> {
    await this.retirement.close();
    const all = this.informers();
    this.kinds.clear();
    this.collections.clear();
    await Promise.all(all.map((i) => i.stop()));
  }

  /** Running watches (by what they watch, clusters left out), and what the cache remembers (tests, diagnostics). */
  size(): { watches: string[]; owners: number; verified: number; deleted: number } {
    const running = [
      ...[...this.kinds].filter(([, i]) => i.running()),
      ...[...this.collections].filter(([, c]) => c.informer.running()),
    ];
    return {
      watches: running.map(([key]) => key.slice(key.indexOf("|") + 1)).sort(compareStrings),
      owners: this.index.size,
      verified: this.verifications.size,
      deleted: this.deletions.size,
    };
  }

  private informers(): Pick<LazyInformer<ObjectSummary>, "running" | "stop">[] {
    return [...this.kinds.values(), ...[...this.collections.values()].map((c) => c.informer)];
  }

  private summary(target: KubeConfig, cluster: string, ref: ObjectRef): WatchedObject | undefined {
    const informer = this.kindWatch(target, cluster, ref).ready();
    return informer?.get(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name)?.watched;
  }

  /**
   * The apiserver refuses a watch (credentials revoked, a right taken away): its cache is no
   * longer kept, so everyone who relies on it reconciles now and meets the refusal itself.
   */
  private wakeWatch(key: string): void {
    for (const owner of this.index.ownersIn(key)) this.wake(owner);
  }

  private wakeOwners(id: string): void {
    for (const owner of this.index.ownersOf(id)) this.wake(owner);
  }

  /** The watch an object is seen through: of its kind on the cluster, or in its namespace where scoped. */
  private kindWatchKey(cluster: string, ref: ObjectRef): string {
    const key = kindKey(cluster, ref);
    return ref.namespace && this.scoped.has(key) ? `${key}|${ref.namespace}` : key;
  }

  private idOf(cluster: string, ref: ObjectRef): string {
    return objectIdIn(this.kindWatchKey(cluster, ref), ref);
  }

  /**
   * The identity may not watch a kind cluster-wide: watch it per namespace from now on. The
   * owners of the refused watch reconcile and so look again through the namespace watches;
   * the refused one stops.
   */
  private scopeDown(kind: string): void {
    if (this.scoped.has(kind)) return;
    this.scoped.add(kind);
    this.logger?.info(
      { kind: kind.slice(kind.indexOf("|") + 1) },
      "not allowed to watch a kind cluster-wide on a target; watching it per namespace",
    );
    this.wakeWatch(kind);
    void this.stopWatch(kind);
  }

  private kindWatch(target: KubeConfig, cluster: string, ref: ObjectRef): LazyInformer<ObjectSummary> {
    const key = this.kindWatchKey(cluster, ref);
    const clusterWide = key === kindKey(cluster, ref);
    let watch = this.kinds.get(key);
    if (!watch) {
      const kind = { apiVersion: ref.apiVersion, kind: ref.kind };
      watch = new LazyInformer(
        async () => {
          const informer = await informerFor<ObjectSummary>(target, kind, {
            transform: summarizeObject,
            ...this.idle,
            ...(clusterWide ? {} : { namespace: ref.namespace }),
            onRefused: (err) => {
              if (clusterWide && err.status === 403) this.scopeDown(key);
              else this.wakeWatch(key);
            },
            ...(this.logger ? { logger: this.logger } : {}),
          });
          const id = (s: ObjectSummary): string =>
            objectIdIn(key, { name: s.metadata.name ?? "", ...namespaceOf(s) });
          informer.addHandlers({
            add: (s) => {
              this.deletions.delete(id(s));
              this.wakeOwners(id(s));
            },
            update: (s, previous) => {
              if (mattersToOwner(previous?.watched, s.watched)) this.wakeOwners(id(s));
            },
            delete: (s) => {
              const gone = id(s);
              this.verifications.delete(gone);
              if (this.index.ownersOf(gone).size > 0) this.deletions.add(gone);
              this.wakeOwners(gone);
            },
          });
          return informer;
        },
        { cluster: serverOf(cluster), ...kind },
        this.logger,
      );
      this.kinds.set(key, watch);
    }
    return watch;
  }

  private collection(target: KubeConfig, cluster: string, spec: WatchSpec): CollectionWatch {
    const key = collectionKey(cluster, spec);
    let watch = this.collections.get(key);
    if (!watch) {
      const { apiVersion, kind, namespace, labelSelector } = spec;
      watch = new CollectionWatch({
        target,
        spec: { apiVersion, kind, namespace, labelSelector },
        changed: (group) => {
          this.wakeOwners(groupKey(key, group));
        },
        cluster: serverOf(cluster),
        ...this.idle,
        refused: () => {
          this.wakeWatch(key);
        },
        ...(this.logger ? { logger: this.logger } : {}),
      });
      this.collections.set(key, watch);
    }
    return watch;
  }
}

function namespaceOf(s: ObjectSummary): { namespace?: string } {
  return s.metadata.namespace ? { namespace: s.metadata.namespace } : {};
}
