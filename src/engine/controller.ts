/**
 * One controller per loaded descriptor: informers on its API objects
 * (onboarding) and configs (platform) that feed keys into the engine's shared
 * queue. Reconciling is the ProviderReconciler's job.
 */
import type { KubeConfig } from "../plugins/kube/kubeconfig.js";
import type { KubernetesObject } from "../plugins/kube/object.js";
import type { Logger } from "pino";
import type { KubeObject } from "../descriptor/index.js";
import type { ApiObject } from "./api-object.js";
import { OPERATION_ANNOTATION } from "./api-object.js";
import type { Informer } from "./informer.js";
import { informerFor } from "./kube-informer.js";
import { apiVersionOf, configApiVersionOf, type Provider } from "./provider.js";
import { requestKey } from "./types.js";

export interface ControllerClusters {
  platform: KubeConfig;
  onboarding: KubeConfig;
}

/** Reconcile on spec, deletion, finalizer and operation-annotation changes; not on our own status writes. */
export function needsReconcile(obj: ApiObject, previous: ApiObject | undefined): boolean {
  if (!previous) return true;
  const m = obj.metadata;
  const p = previous.metadata;
  return (
    m.generation !== p.generation ||
    m.deletionTimestamp !== p.deletionTimestamp ||
    JSON.stringify(m.finalizers ?? []) !== JSON.stringify(p.finalizers ?? []) ||
    m.annotations?.[OPERATION_ANNOTATION] !== p.annotations?.[OPERATION_ANNOTATION]
  );
}

/** The API informer holds this provider's API objects, which have metadata.name and the rest ApiObject says. */
function asApi(obj: KubernetesObject): ApiObject {
  return obj as unknown as ApiObject;
}

export class ProviderController {
  private apiInformer: Informer<KubernetesObject> | undefined;
  private configInformer: Informer<KubernetesObject> | undefined;

  constructor(
    readonly provider: Provider,
    private readonly clusters: ControllerClusters,
    private readonly enqueue: (key: string) => void,
    private readonly logger: Logger,
  ) {}

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
    for (const obj of this.apiInformer?.list() ?? []) this.enqueue(this.keyOf(asApi(obj)));
  }

  configs(): { get(key: string): KubeObject | undefined } {
    return { get: (key) => this.configInformer?.get(key) as KubeObject | undefined };
  }

  async start(): Promise<void> {
    const { api, config } = this.provider.compiled;
    const log = this.logger.child({ provider: this.name });
    this.configInformer = await informerFor(
      this.clusters.platform,
      { apiVersion: configApiVersionOf(this.provider), kind: config.kind },
      { logger: log },
    );
    this.configInformer.addHandlers({
      add: () => {
        this.enqueueAll();
      },
      update: () => {
        this.enqueueAll();
      },
      delete: () => {
        this.enqueueAll();
      },
    });
    this.apiInformer = await informerFor<KubernetesObject>(
      this.clusters.onboarding,
      { apiVersion: apiVersionOf(this.provider), kind: api.kind },
      { logger: log },
    );
    this.apiInformer.addHandlers({
      add: (obj) => {
        this.enqueue(this.keyOf(asApi(obj)));
      },
      update: (obj, previous) => {
        if (needsReconcile(asApi(obj), previous && asApi(previous))) this.enqueue(this.keyOf(asApi(obj)));
      },
      delete: (obj) => {
        this.enqueue(this.keyOf(asApi(obj)));
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
