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

function objectId(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}|${ref.name}`;
}

export class ReferenceWatches {
  private readonly index = new OwnerIndex();
  /** apiVersion|kind|namespace → informer */
  private readonly informers = new Map<string, LazyInformer<KubernetesObject>>();

  constructor(
    private readonly cluster: KubeConfig,
    private readonly wake: (owner: string) => void,
    private readonly logger?: Logger,
  ) {}

  /** Records what `owner` references; starts watching kinds and namespaces not watched yet. */
  track(owner: string, refs: readonly ObjectRef[]): void {
    this.index.set(owner, refs.map(objectId));
    for (const ref of refs) this.informer(ref).ensure();
  }

  untrack(owner: string): void {
    this.index.remove(owner);
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
              transform: withoutManagedFields,
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
    const all = [...this.informers.values()];
    this.informers.clear();
    await Promise.all(all.map((i) => i.stop()));
  }
}

function informerKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}`;
}
