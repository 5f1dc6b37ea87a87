/**
 * Watches of the platform objects requests depend on (kubeconfig Secrets, AccessRequests,
 * Secrets and ConfigMaps a config references), one informer per (kind, namespace): spe never
 * holds Secrets cluster-wide. A change wakes the requests that reference the object, and the
 * cache answers the reads of a reconcile (ClusterAccess) without a request.
 */
import type { Logger } from "pino";
import type { KubeObject } from "../../descriptor/plan.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ObjectRef } from "../../plugins/types.js";
import type { KubernetesObject } from "./informer.js";
import { informerFor, withoutManagedFields } from "./kube-informer.js";
import { LazyInformer } from "./lazy-informer.js";
import { OwnerIndex } from "./owner-index.js";
import { LINGER_MS, Retirement } from "./retirement.js";

/** An id is the key of the informer it is seen through, SEP, and its name. */
const SEP = "\u0000";

function objectId(ref: ObjectRef): string {
  return `${informerKey(ref)}${SEP}${ref.name}`;
}

function informerOf(id: string): string {
  return id.slice(0, id.indexOf(SEP));
}

function refOf(id: string): ObjectRef {
  const [apiVersion = "", kind = "", namespace = ""] = informerOf(id).split("|");
  const name = id.slice(id.indexOf(SEP) + 1);
  return namespace ? { apiVersion, kind, namespace, name } : { apiVersion, kind, name };
}

export interface ReferenceWatchOptions {
  /** How long an informer no request needs any more keeps running (default 30 s; retirement.ts). */
  lingerMs?: number;
  /** Told of each object no request references any more. */
  released?: (ref: ObjectRef) => void;
  /** What the cache keeps of each object (default: the object without managedFields). */
  transform?: (obj: KubernetesObject) => KubernetesObject;
}

export class ReferenceWatches {
  private readonly index = new OwnerIndex(informerOf);
  /** apiVersion|kind|namespace → informer */
  private readonly informers = new Map<string, LazyInformer<KubernetesObject>>();
  private readonly retirement: Retirement;

  constructor(
    private readonly cluster: KubeConfig,
    private readonly wake: (owner: string) => void,
    private readonly logger?: Logger,
    private readonly options: ReferenceWatchOptions = {},
  ) {
    this.retirement = new Retirement(
      options.lingerMs ?? LINGER_MS,
      (key) => this.index.inUse(key),
      (key) => this.stopInformer(key),
    );
  }

  /** Records what `owner` references; starts watching kinds and namespaces not watched yet. */
  track(owner: string, refs: readonly ObjectRef[]): void {
    this.release(this.index.set(owner, refs.map(objectId)));
    for (const ref of refs) this.informer(ref).ensure();
  }

  /** `owner` is gone: informers of kinds and namespaces only it referenced stop. */
  untrack(owner: string): void {
    this.release(this.index.remove(owner));
  }

  private release(orphaned: readonly string[]): void {
    for (const id of orphaned) this.options.released?.(refOf(id));
    for (const key of new Set(orphaned.map(informerOf)))
      if (!this.index.inUse(key)) this.retirement.retire(key);
  }

  private async stopInformer(key: string): Promise<void> {
    const informer = this.informers.get(key);
    this.informers.delete(key);
    await informer?.stop();
  }

  /** Running informers (for tests and diagnostics). */
  size(): number {
    return [...this.informers.values()].filter((i) => i.running()).length;
  }

  /** Whether the kind and namespace of `ref` are watched and listed: then cached() knows it is absent. */
  listed(ref: ObjectRef): boolean {
    return this.informers.get(informerKey(ref))?.ready() !== undefined;
  }

  /** The object as watched, when its kind and namespace are watched and listed and it is there. */
  cached(ref: ObjectRef): KubeObject | undefined {
    const informer = this.informers.get(informerKey(ref))?.ready();
    const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
    return informer?.get(key) as KubeObject | undefined;
  }

  private informer(ref: ObjectRef): LazyInformer<KubernetesObject> {
    const key = informerKey(ref);
    let watch = this.informers.get(key);
    if (!watch) {
      const { apiVersion, kind, namespace } = ref;
      const notify = (obj: KubernetesObject): void => {
        const name = obj.metadata?.name ?? "";
        const ns = obj.metadata?.namespace;
        for (const owner of this.index.ownersOf(
          objectId({ apiVersion, kind, name, ...(ns ? { namespace: ns } : {}) }),
        ))
          this.wake(owner);
      };
      watch = new LazyInformer(
        async () => {
          const informer = await informerFor(
            this.cluster,
            { apiVersion, kind },
            {
              transform: this.options.transform ?? withoutManagedFields,
              ...(this.logger ? { logger: this.logger } : {}),
              ...(namespace ? { namespace } : {}),
            },
          );
          informer.addHandlers({ add: notify, update: notify, delete: notify });
          return informer;
        },
        { apiVersion, kind, namespace },
        this.logger,
      );
      this.informers.set(key, watch);
    }
    return watch;
  }

  async stop(): Promise<void> {
    await this.retirement.close();
    const all = [...this.informers.values()];
    this.informers.clear();
    await Promise.all(all.map((i) => i.stop()));
  }
}

function informerKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}`;
}
