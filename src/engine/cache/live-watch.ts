/**
 * Watches of the objects live values read (unit.live: a Service's load-balancer address, a
 * Secret's existence) on the target clusters, one ReferenceWatches per target identity (one
 * informer per kind and namespace). A change of a watched object wakes the API objects that
 * read it, so a unit waiting for a live value is deployed within moments of it appearing.
 * Of a Secret the cache keeps its type and metadata only: live values never read its data.
 */
import type { Logger } from "pino";
import { identityKey } from "../../kube/identity.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubernetesObject } from "../../kube/object.js";
import type { ObjectRef } from "../../plugins/types.js";
import { withoutManagedFields } from "./kube-informer.js";
import { ReferenceWatches } from "./reference-watch.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** What is kept of a watched object: a Secret without data (nor kubectl's copy of it), others whole. */
export function liveView(obj: KubernetesObject): KubernetesObject {
  const lean = withoutManagedFields(obj);
  if (lean.kind !== "Secret") return lean;
  const {
    data: _data,
    stringData: _stringData,
    ...rest
  } = lean as KubernetesObject & {
    data?: unknown;
    stringData?: unknown;
  };
  const annotations = rest.metadata?.annotations;
  if (annotations === undefined || !(LAST_APPLIED in annotations)) return rest;
  const { [LAST_APPLIED]: _applied, ...kept } = annotations;
  return { ...rest, metadata: { ...rest.metadata, annotations: kept } };
}

export interface LiveWatchOptions {
  lingerMs?: number;
  logger?: Logger;
}

export class LiveWatches {
  /** identity → its watches */
  private readonly targets = new Map<string, ReferenceWatches>();
  /** owner → identities it reads on */
  private readonly owners = new Map<string, Set<string>>();

  constructor(
    private readonly wake: (owner: string) => void,
    private readonly options: LiveWatchOptions = {},
  ) {}

  private watchesOf(kc: KubeConfig): ReferenceWatches {
    const id = identityKey(kc);
    let watches = this.targets.get(id);
    if (!watches) {
      watches = new ReferenceWatches(kc, this.wake, this.options.logger, {
        transform: liveView,
        ...(this.options.lingerMs === undefined ? {} : { lingerMs: this.options.lingerMs }),
      });
      this.targets.set(id, watches);
    }
    return watches;
  }

  /**
   * The object as the watch of its kind and namespace holds it (a Secret without data):
   * undefined when it is not there; "unknown" while that watch has not listed.
   */
  cached(kc: KubeConfig, ref: ObjectRef): KubernetesObject | undefined | "unknown" {
    const watches = this.watchesOf(kc);
    if (!watches.listed(ref)) return "unknown";
    return watches.cached(ref);
  }

  /** Settles what `owner` read on each target; reads on targets left out are released. */
  track(owner: string, read: readonly { target: KubeConfig; refs: readonly ObjectRef[] }[]): void {
    const now = new Set<string>();
    for (const { target, refs } of read) {
      if (refs.length === 0) continue;
      now.add(identityKey(target));
      this.watchesOf(target).track(owner, refs);
    }
    for (const id of this.owners.get(owner) ?? []) if (!now.has(id)) this.targets.get(id)?.untrack(owner);
    if (now.size > 0) this.owners.set(owner, now);
    else this.owners.delete(owner);
  }

  untrack(owner: string): void {
    for (const id of this.owners.get(owner) ?? []) this.targets.get(id)?.untrack(owner);
    this.owners.delete(owner);
  }

  /** Running informers (tests, diagnostics). */
  size(): number {
    return [...this.targets.values()].reduce((n, w) => n + w.size(), 0);
  }

  async stop(): Promise<void> {
    const all = [...this.targets.values()];
    this.targets.clear();
    await Promise.all(all.map((w) => w.stop()));
  }
}
