/**
 * Event-driven drift and readiness: one informer per (target cluster, kind)
 * of deployed objects, and an index from each deployed object to the API
 * objects that own it. A change or deletion of a deployed object wakes its
 * owners within the watch latency; the periodic resync stays as a backstop.
 */
import type { KubeConfig } from "../plugins/kube/kubeconfig.js";
import type { KubernetesObject } from "../plugins/kube/object.js";
import type { Logger } from "pino";
import type { ObjectRef } from "../plugins/types.js";
import type { Informer } from "./informer.js";
import { informerFor } from "./kube-informer.js";

function clusterId(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? "unknown";
}

function objectId(cluster: string, ref: ObjectRef): string {
  return `${cluster}|${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

export class TargetWatches {
  private readonly informers = new Map<string, Promise<Informer<KubernetesObject> | undefined>>();
  /** deployed object id → owner keys */
  private readonly owners = new Map<string, Set<string>>();
  /** owner key → deployed object ids */
  private readonly owned = new Map<string, Set<string>>();

  /**
   * `perNamespace`: one informer per namespace instead of per cluster, for
   * kinds spe must not hold cluster-wide (Secrets a request references).
   */
  constructor(
    private readonly wake: (owner: string) => void,
    private readonly logger?: Logger,
    private readonly perNamespace = false,
  ) {}

  /** Records what `owner` deployed on `target`; starts watching kinds not watched yet there. */
  track(owner: string, target: KubeConfig, objects: readonly ObjectRef[]): void {
    const cluster = clusterId(target);
    const ids = new Set(objects.map((o) => objectId(cluster, o)));
    this.untrack(owner);
    this.owned.set(owner, ids);
    for (const id of ids) {
      const set = this.owners.get(id) ?? new Set<string>();
      set.add(owner);
      this.owners.set(id, set);
    }
    for (const o of objects) this.ensureInformer(target, cluster, o);
  }

  untrack(owner: string): void {
    for (const id of this.owned.get(owner) ?? []) {
      const set = this.owners.get(id);
      set?.delete(owner);
      if (set?.size === 0) this.owners.delete(id);
    }
    this.owned.delete(owner);
  }

  private ensureInformer(target: KubeConfig, cluster: string, ref: ObjectRef): void {
    const namespace = this.perNamespace ? ref.namespace : undefined;
    const key = `${cluster}|${ref.apiVersion}|${ref.kind}|${namespace ?? ""}`;
    if (this.informers.has(key)) return;
    const started = this.startInformer(target, cluster, ref, namespace).catch((err: unknown) => {
      this.logger?.warn(
        { err, cluster, kind: ref.kind, namespace },
        "cannot watch kind; changes are found by resync only",
      );
      this.informers.delete(key);
      return undefined;
    });
    this.informers.set(key, started);
  }

  private async startInformer(
    target: KubeConfig,
    cluster: string,
    ref: ObjectRef,
    namespace: string | undefined,
  ): Promise<Informer<KubernetesObject>> {
    const { apiVersion, kind } = ref;
    const informer = await informerFor<KubernetesObject>(
      target,
      { apiVersion, kind },
      { ...(this.logger ? { logger: this.logger } : {}), ...(namespace ? { namespace } : {}) },
    );
    const notify = (obj: KubernetesObject): void => {
      const ns = obj.metadata?.namespace;
      const name = obj.metadata?.name ?? "";
      const id = objectId(cluster, { apiVersion, kind, name, ...(ns ? { namespace: ns } : {}) });
      for (const owner of this.owners.get(id) ?? []) this.wake(owner);
    };
    informer.addHandlers({ add: notify, update: notify, delete: notify });
    await informer.start();
    return informer;
  }

  async stop(): Promise<void> {
    const all = await Promise.all(this.informers.values());
    this.informers.clear();
    await Promise.all(all.map((i) => (i ? i.stop() : Promise.resolve())));
  }

  /** Number of running informers (for metrics and tests). */
  size(): number {
    return this.informers.size;
  }
}
