/**
 * One controller per loaded descriptor: informers on its API objects
 * (onboarding) and configs (platform) that feed keys into the engine's shared
 * queue. Reconciling is the ProviderReconciler's job.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubernetesObject } from "../../kube/object.js";
import type { Logger } from "pino";
import type { KubeObject } from "../../descriptor/index.js";
import type { ApiObject } from "../status/api-object.js";
import { OPERATION_ANNOTATION } from "../status/api-object.js";
import { objectKey, type Informer } from "../cache/informer.js";
import { informerFor, withoutManagedFields } from "../cache/kube-informer.js";
import { apiVersionOf, configApiVersionOf, type Provider } from "../descriptors/provider.js";
import { requestKey } from "./types.js";
import { writeBackTouched } from "../reconcile/write-back.js";
import type { AddReason } from "./workqueue.js";

export interface ControllerClusters {
  platform: KubeConfig;
  onboarding: KubeConfig;
}

export interface ControllerHooks {
  /** Queues an API object's key. */
  enqueue: (key: string, reason: AddReason) => void;
  /** A config was added or changed (its status included), e.g. to write the config's own status. */
  configSeen?: (config: KubeObject) => void;
}

/**
 * Whether an update of an API object needs a reconcile, and why. Spec (generation), deletion
 * and a user's operation annotation are input: they run at once, even while the object backs
 * off from a failure. Finalizer changes (spe's own, mostly) and the removal of a spent
 * `reconcile` annotation (spe's own) are not. Our own status writes are neither.
 */
export function reconcileReason(obj: ApiObject, previous: ApiObject | undefined): AddReason | undefined {
  if (!previous) return "input";
  const m = obj.metadata;
  const p = previous.metadata;
  if (m.generation !== p.generation || m.deletionTimestamp !== p.deletionTimestamp) return "input";
  const operation = m.annotations?.[OPERATION_ANNOTATION];
  const before = p.annotations?.[OPERATION_ANNOTATION];
  if (operation !== before) return operation !== undefined || before === "ignore" ? "input" : undefined;
  if (JSON.stringify(m.finalizers ?? []) !== JSON.stringify(p.finalizers ?? [])) return "observed";
  return undefined;
}

/**
 * A config change that reconciles depend on: its spec (generation), its labels (a label
 * selector may choose it now, or no longer), or its coming and going.
 */
export function configChanged(obj: KubernetesObject, previous: KubernetesObject | undefined): boolean {
  const m = obj.metadata ?? {};
  const p = previous?.metadata ?? {};
  return (
    m.generation !== p.generation ||
    m.uid !== p.uid ||
    m.deletionTimestamp !== p.deletionTimestamp ||
    !isDeepStrictEqual(m.labels ?? {}, p.labels ?? {})
  );
}

/** The API informer holds this provider's API objects, which have metadata.name and the rest ApiObject says. */
function asApi(obj: KubernetesObject): ApiObject {
  return obj as unknown as ApiObject;
}

/** Writes whose echo the informer has not shown after this long are no reason to bypass it any more. */
const ECHO_WAIT_MS = 5_000;

/**
 * API objects as the informer holds them, for reconciles (controller-runtime's cached client):
 * `get` answers from the cache unless the informer has not listed yet or has not shown a
 * write the reconciler made (then undefined: read through the API, or decide on a stale copy).
 */
export interface ApiObjectCache {
  get(namespace: string, name: string): { object: ApiObject | undefined } | undefined;
  /** The reconciler wrote this object; until the informer shows that version, `get` defers to the API. */
  wrote(obj: ApiObject): void;
}

export class ProviderController {
  private apiInformer: Informer<KubernetesObject> | undefined;
  private configInformer: Informer<KubernetesObject> | undefined;
  /** key → resourceVersion of a write of ours not seen in the informer yet, and when it was made */
  private readonly unseen = new Map<string, { resourceVersion: string; at: number }>();

  constructor(
    readonly provider: Provider,
    private readonly clusters: ControllerClusters,
    private readonly hooks: ControllerHooks,
    private readonly logger: Logger,
  ) {}

  private enqueue(key: string, reason: AddReason): void {
    this.hooks.enqueue(key, reason);
  }

  get name(): string {
    return this.provider.compiled.name;
  }

  private keyOf(obj: ApiObject): string {
    return requestKey({
      provider: this.name,
      namespace: obj.metadata.namespace ?? "",
      name: obj.metadata.name,
    });
  }

  /** Every API object of this provider: a config (or something it references) changed. */
  enqueueAll(): void {
    for (const obj of this.apiInformer?.list() ?? []) this.enqueue(this.keyOf(asApi(obj)), "input");
  }

  apiObjects(): ApiObjectCache {
    return {
      get: (namespace, name) => {
        const key = namespace ? `${namespace}/${name}` : name;
        const pending = this.unseen.get(key);
        if (pending && Date.now() - pending.at < ECHO_WAIT_MS) return undefined;
        if (pending) this.unseen.delete(key);
        if (!this.apiInformer?.hasSynced()) return undefined;
        return { object: this.apiInformer.get(key) as ApiObject | undefined };
      },
      wrote: (obj) => {
        const version = obj.metadata.resourceVersion;
        const key = objectKey(obj);
        // The watch event can arrive before the response to the write itself.
        if (!version || this.apiInformer?.get(key)?.metadata?.resourceVersion === version) return;
        this.unseen.set(key, { resourceVersion: version, at: Date.now() });
      },
    };
  }

  /** The informer now holds `obj`: a write of ours at this version has been seen. */
  private seen(obj: KubernetesObject): void {
    const key = objectKey(obj);
    if (this.unseen.get(key)?.resourceVersion === obj.metadata?.resourceVersion) this.unseen.delete(key);
  }

  configs(): { get(key: string): KubeObject | undefined; list(): KubeObject[] } {
    return {
      get: (key) => this.configInformer?.get(key) as KubeObject | undefined,
      list: () => (this.configInformer?.list() ?? []) as KubeObject[],
    };
  }

  async start(): Promise<void> {
    const { api, config } = this.provider.compiled;
    const log = this.logger.child({ provider: this.name });
    this.configInformer = await informerFor(
      this.clusters.platform,
      { apiVersion: configApiVersionOf(this.provider), kind: config.kind },
      { logger: log, transform: withoutManagedFields },
    );
    this.configInformer.addHandlers({
      add: (obj) => {
        this.hooks.configSeen?.(obj as KubeObject);
        this.enqueueAll();
      },
      update: (obj, previous) => {
        // Its own status (spe's write) changes no render: written, but nobody woken.
        this.hooks.configSeen?.(obj as KubeObject);
        if (configChanged(obj, previous)) this.enqueueAll();
      },
      delete: () => {
        this.enqueueAll();
      },
    });
    this.apiInformer = await informerFor<KubernetesObject>(
      this.clusters.onboarding,
      { apiVersion: apiVersionOf(this.provider), kind: api.kind },
      { logger: log, transform: withoutManagedFields },
    );
    this.apiInformer.addHandlers({
      add: (obj) => {
        this.seen(obj);
        this.enqueue(this.keyOf(asApi(obj)), "input");
      },
      update: (obj, previous) => {
        this.seen(obj);
        const reason =
          reconcileReason(asApi(obj), previous && asApi(previous)) ??
          (previous && writeBackTouched(this.provider.compiled, asApi(obj), asApi(previous))
            ? "input"
            : undefined);
        if (reason) this.enqueue(this.keyOf(asApi(obj)), reason);
      },
      delete: (obj) => {
        this.unseen.delete(objectKey(obj));
        this.enqueue(this.keyOf(asApi(obj)), "input");
      },
    });
    await this.configInformer.start();
    await this.apiInformer.start();
  }

  hasSynced(): boolean {
    return (this.apiInformer?.hasSynced() ?? false) && (this.configInformer?.hasSynced() ?? false);
  }

  async waitForSync(): Promise<void> {
    await Promise.all([this.configInformer?.waitForSync(), this.apiInformer?.waitForSync()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.apiInformer?.stop(), this.configInformer?.stop()]);
  }
}
