/**
 * The engine's memory of its target clusters: one watch per (cluster, kind) of deployed
 * objects, keeping a summary of each (watch-summary.ts), and one metadata-only watch of
 * helm's release Secrets per (cluster, namespace). Plugins read it through TargetCache
 * views, so a reconcile in which nothing changed sends no request at all; the watches wake
 * the API objects that deployed what changed, so drift and readiness are seen at once.
 *
 * A view belongs to one API object: every lookup through it registers that API object's
 * interest in the thing looked up before the plugin reads the thing from the API server,
 * so a change that lands in between still wakes it. `track` settles the final set after
 * the reconcile.
 */
import type { Logger } from "pino";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectRef, TargetCache, WatchedObject, WatchedRelease } from "../../plugins/types.js";
import { informerFor } from "./kube-informer.js";
import { LazyInformer } from "./lazy-informer.js";
import { OwnerIndex } from "./owner-index.js";
import {
  latestOf,
  mattersToOwner,
  summarizeObject,
  summarizeReleaseSecret,
  type ObjectSummary,
  type ReleaseSecretSummary,
} from "./watch-summary.js";

export interface ReleaseRef {
  namespace: string;
  name: string;
}

/** What an API object has deployed on one target: what wakes it when it changes. */
export interface Deployed {
  objects: readonly ObjectRef[];
  releases: readonly ReleaseRef[];
}

function clusterOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? "unknown";
}

function objectId(cluster: string, ref: ObjectRef): string {
  return `${cluster}|${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

function releaseId(cluster: string, release: ReleaseRef): string {
  return `${cluster}|release|${release.namespace}|${release.name}`;
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

/** helm's storage Secrets of one namespace, indexed by release. */
class ReleaseSecrets {
  readonly byRelease = new Map<string, Map<string, ReleaseSecretSummary>>();

  put(s: ReleaseSecretSummary): string | undefined {
    const release = s.metadata.labels?.name;
    if (!release || !s.metadata.name) return undefined;
    let secrets = this.byRelease.get(release);
    if (!secrets) {
      secrets = new Map();
      this.byRelease.set(release, secrets);
    }
    secrets.set(s.metadata.name, s);
    return release;
  }

  drop(s: ReleaseSecretSummary): string | undefined {
    const release = s.metadata.labels?.name;
    if (!release || !s.metadata.name) return undefined;
    const secrets = this.byRelease.get(release);
    secrets?.delete(s.metadata.name);
    if (secrets?.size === 0) this.byRelease.delete(release);
    return release;
  }
}

interface ReleaseWatch {
  informer: LazyInformer<ReleaseSecretSummary>;
  secrets: ReleaseSecrets;
}

export class TargetCaches {
  private readonly index = new OwnerIndex();
  private readonly verifications = new Map<string, Verification>();
  /**
   * Objects someone deployed that their watch saw deleted and has not seen since: observe
   * takes them as missing without a GET (ADR 0007). Cleared by the watch's next sighting,
   * by our own write of the object, and when nobody cares about it any more.
   */
  private readonly deletions = new Set<string>();
  /** cluster|apiVersion|kind → a watch of that kind's objects, as summaries */
  private readonly kinds = new Map<string, LazyInformer<ObjectSummary>>();
  /** cluster|namespace → a watch of helm's release Secrets there */
  private readonly releases = new Map<string, ReleaseWatch>();

  constructor(
    private readonly wake: (owner: string) => void,
    private readonly logger?: Logger,
  ) {}

  /** The TargetCache a reconcile of `owner` hands its plugins for `target`. */
  view(owner: string, target: KubeConfig): TargetCache {
    const cluster = clusterOf(target);
    const object = (ref: ObjectRef): WatchedObject | undefined => {
      this.index.add(owner, objectId(cluster, ref));
      return this.summary(target, cluster, ref);
    };
    return {
      object,
      release: (namespace, name) => {
        this.index.add(owner, releaseId(cluster, { namespace, name }));
        return this.releaseHead(target, cluster, { namespace, name });
      },
      releaseAbsent: (namespace, name) => {
        this.index.add(owner, releaseId(cluster, { namespace, name }));
        const watch = this.releaseWatch(target, cluster, namespace);
        return watch.informer.ready() !== undefined && !watch.secrets.byRelease.has(name);
      },
      verify: (ref, fingerprint, desiredHash) => {
        this.verifications.set(objectId(cluster, ref), { fingerprint, desiredHash });
      },
      verifyWritten: (ref, written, desiredHash) => {
        this.deletions.delete(objectId(cluster, ref));
        this.verifications.set(objectId(cluster, ref), {
          fingerprint: written.fingerprint,
          desiredHash,
          written: { object: written, at: Date.now() },
        });
      },
      deleted: (ref) => object(ref) === undefined && this.deletions.has(objectId(cluster, ref)),
      verified: (ref, desiredHash) => {
        const watched = object(ref);
        const v = this.verifications.get(objectId(cluster, ref));
        if (v?.desiredHash !== desiredHash) return undefined;
        if (watched && v.fingerprint === watched.fingerprint) return watched;
        const written = v.written;
        return written && Date.now() - written.at < WRITTEN_MS && behind(watched, written.object)
          ? written.object
          : undefined;
      },
    };
  }

  /** Settles what `owner` deployed on `target` after a reconcile; nothing else wakes it any more. */
  track(owner: string, target: KubeConfig, deployed: Deployed): void {
    const cluster = clusterOf(target);
    for (const ref of deployed.objects) this.kindWatch(target, cluster, ref).ensure();
    for (const release of deployed.releases)
      this.releaseWatch(target, cluster, release.namespace).informer.ensure();
    const ids = [
      ...deployed.objects.map((o) => objectId(cluster, o)),
      ...deployed.releases.map((r) => releaseId(cluster, r)),
    ];
    for (const id of this.index.set(owner, ids)) this.forgetObject(id);
  }

  untrack(owner: string): void {
    for (const id of this.index.remove(owner)) this.forgetObject(id);
  }

  private forgetObject(id: string): void {
    this.verifications.delete(id);
    this.deletions.delete(id);
  }

  async stop(): Promise<void> {
    const all = [...this.kinds.values(), ...[...this.releases.values()].map((r) => r.informer)];
    this.kinds.clear();
    this.releases.clear();
    await Promise.all(all.map((i) => i.stop()));
  }

  /** Number of running watches (for metrics and tests). */
  size(): number {
    return [...this.kinds.values(), ...[...this.releases.values()].map((r) => r.informer)].filter((i) =>
      i.running(),
    ).length;
  }

  private summary(target: KubeConfig, cluster: string, ref: ObjectRef): WatchedObject | undefined {
    const informer = this.kindWatch(target, cluster, ref).ready();
    return informer?.get(ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name)?.watched;
  }

  private releaseHead(target: KubeConfig, cluster: string, release: ReleaseRef): WatchedRelease | undefined {
    const watch = this.releaseWatch(target, cluster, release.namespace);
    if (!watch.informer.ready()) return undefined;
    return latestOf(watch.secrets.byRelease.get(release.name)?.values() ?? []);
  }

  private wakeOwners(id: string): void {
    for (const owner of this.index.ownersOf(id)) this.wake(owner);
  }

  private kindWatch(target: KubeConfig, cluster: string, ref: ObjectRef): LazyInformer<ObjectSummary> {
    const key = `${cluster}|${ref.apiVersion}|${ref.kind}`;
    let watch = this.kinds.get(key);
    if (!watch) {
      const kind = { apiVersion: ref.apiVersion, kind: ref.kind };
      watch = new LazyInformer(
        async () => {
          const informer = await informerFor<ObjectSummary>(target, kind, {
            transform: summarizeObject,
            ...(this.logger ? { logger: this.logger } : {}),
          });
          const id = (s: ObjectSummary): string =>
            objectId(cluster, { ...kind, name: s.metadata.name ?? "", ...namespaceOf(s) });
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
        { cluster, ...kind },
        this.logger,
      );
      this.kinds.set(key, watch);
    }
    return watch;
  }

  private releaseWatch(target: KubeConfig, cluster: string, namespace: string): ReleaseWatch {
    const key = `${cluster}|${namespace}`;
    let watch = this.releases.get(key);
    if (!watch) {
      const secrets = new ReleaseSecrets();
      const changed = (release: string | undefined): void => {
        if (release) this.wakeOwners(releaseId(cluster, { namespace, name: release }));
      };
      const informer = new LazyInformer<ReleaseSecretSummary>(
        async () => {
          const inf = await informerFor<ReleaseSecretSummary>(
            target,
            { apiVersion: "v1", kind: "Secret" },
            {
              namespace,
              labelSelector: "owner=helm",
              metadataOnly: true,
              transform: summarizeReleaseSecret,
              ...(this.logger ? { logger: this.logger } : {}),
            },
          );
          inf.addHandlers({
            add: (s) => {
              changed(secrets.put(s));
            },
            update: (s) => {
              changed(secrets.put(s));
            },
            delete: (s) => {
              changed(secrets.drop(s));
            },
          });
          return inf;
        },
        { cluster, namespace, kind: "helm release Secrets" },
        this.logger,
      );
      watch = { informer, secrets };
      this.releases.set(key, watch);
    }
    return watch;
  }
}

function namespaceOf(s: ObjectSummary): { namespace?: string } {
  return s.metadata.namespace ? { namespace: s.metadata.namespace } : {};
}
