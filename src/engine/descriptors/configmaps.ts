/**
 * Descriptor ConfigMaps (label spe.dev/descriptor=true) in one namespace of
 * the platform cluster, through an informer. Only changes that can change what
 * is loaded trigger a reload: the source's own status annotations do not, so
 * writing them never loops.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubernetesObject } from "../../kube/object.js";
import type { Logger } from "pino";
import type { DescriptorConfigMap } from "./origin.js";
import type { Informer } from "../cache/informer.js";
import { informerFor } from "../cache/kube-informer.js";

/** A ConfigMap as the informer holds it (raw JSON). */
export interface ConfigMap extends KubernetesObject {
  data?: Record<string, string>;
}

export const DESCRIPTOR_LABEL = "spe.dev/descriptor";
export const DESCRIPTOR_SELECTOR = `${DESCRIPTOR_LABEL}=true`;

/** What loading reads: the data (the label is the informer's selector, so leaving it is a delete). */
export function loadRelevantChange(
  previous: DescriptorConfigMap | undefined,
  next: DescriptorConfigMap,
): boolean {
  if (previous === undefined) return true;
  return JSON.stringify(previous.data ?? {}) !== JSON.stringify(next.data ?? {});
}

export class ConfigMapWatch {
  private informer: Informer<ConfigMap> | undefined;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  /** Starts the informer and resolves once it has listed the namespace (or was stopped). */
  async start(): Promise<void> {
    const informer = await informerFor<ConfigMap>(
      this.kubeConfig,
      { apiVersion: "v1", kind: "ConfigMap" },
      { namespace: this.namespace, labelSelector: DESCRIPTOR_SELECTOR, logger: this.logger },
    );
    this.informer = informer;
    informer.addHandlers({
      add: () => {
        this.onChange();
      },
      update: (obj, previous) => {
        if (loadRelevantChange(previous, obj)) this.onChange();
      },
      delete: () => {
        this.onChange();
      },
    });
    await informer.start();
    await informer.waitForSync();
  }

  hasSynced(): boolean {
    return this.informer?.hasSynced() ?? false;
  }

  /** The current ConfigMaps, as last seen (their annotations included). */
  list(): ConfigMap[] {
    return this.informer?.list(this.namespace) ?? [];
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }
}
