/**
 * Resolves how to reach a target cluster into a KubeConfig: a kubeconfig Secret, in-cluster,
 * or an openMCP AccessRequest. KubeConfigs are cached by the Secret's uid and resourceVersion,
 * so an unchanged Secret hands back the same instance (and with it the same client caches).
 */
import { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import { AccessError } from "./errors.js";
import { parseKubeconfig } from "./kubeconfig.js";

export type AccessSpec =
  | { kind: "kubeconfigSecret"; namespace: string; name: string; key?: string }
  | { kind: "inCluster" }
  /** openMCP: an AccessRequest (clusters.openmcp.cloud/v1alpha1) whose status.secretRef names a Secret with key `kubeconfig`. */
  | { kind: "accessRequest"; namespace: string; name: string };

export const ACCESS_REQUEST = {
  apiVersion: "clusters.openmcp.cloud/v1alpha1",
  kind: "AccessRequest",
} as const;
export const DEFAULT_KEY = "kubeconfig";

interface Cached {
  version: string;
  kc: KubeConfig;
  /** The AccessRequest (namespace/name) whose status named the Secret, if one did. */
  via?: string;
}

export interface ClusterAccessOptions {
  /** Where kubeconfig Secrets and AccessRequests live (the platform or onboarding cluster). */
  source: KubeConfig;
  /** In-cluster config loader; defaults to the service account of the pod. */
  inCluster?: () => KubeConfig;
  /** The engine's watch of these objects: what it holds is not read again (absent ones are). */
  cached?: (ref: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace: string;
  }) => KubeObject | undefined;
}

function secretRefOf(request: KubeObject): { name: string; namespace?: string } | undefined {
  const status = request.status as { secretRef?: { name?: unknown; namespace?: unknown } } | undefined;
  const ref = status?.secretRef;
  if (typeof ref?.name !== "string") return undefined;
  return typeof ref.namespace === "string"
    ? { name: ref.name, namespace: ref.namespace }
    : { name: ref.name };
}

function loadInCluster(): KubeConfig {
  if (!process.env.KUBERNETES_SERVICE_HOST)
    throw new AccessError("NotInCluster", "not running inside a cluster");
  const kc = new KubeConfig();
  kc.loadFromCluster();
  return kc;
}

export class ClusterAccess {
  private readonly cache = new Map<string, Cached>();
  private inClusterConfig: KubeConfig | undefined;

  constructor(private readonly options: ClusterAccessOptions) {}

  /** A KubeConfig for the target; throws AccessError. Does not contact the target (see verifyAccess). */
  async resolve(spec: AccessSpec): Promise<KubeConfig> {
    if (spec.kind === "inCluster") {
      this.inClusterConfig ??= (this.options.inCluster ?? loadInCluster)();
      return this.inClusterConfig;
    }
    if (spec.kind === "kubeconfigSecret")
      return this.fromSecret(spec.namespace, spec.name, spec.key ?? DEFAULT_KEY);
    const request = await this.read({ ...ACCESS_REQUEST, name: spec.name, namespace: spec.namespace });
    const where = `AccessRequest ${spec.namespace}/${spec.name}`;
    if (!request) throw new AccessError("AccessRequestNotFound", `${where} not found`);
    const ref = secretRefOf(request);
    if (!ref)
      throw new AccessError("AccessRequestPending", `${where} is not granted yet (no status.secretRef)`);
    return this.fromSecret(
      ref.namespace ?? spec.namespace,
      ref.name,
      DEFAULT_KEY,
      `${spec.namespace}/${spec.name}`,
    );
  }

  /**
   * No request references this kubeconfig Secret or AccessRequest any more: the KubeConfig
   * built from it (and with it its connections and credentials) is not kept.
   */
  forget(ref: { kind: string; namespace?: string; name: string }): void {
    const id = `${ref.namespace ?? ""}/${ref.name}`;
    for (const [key, cached] of this.cache) {
      const fromSecret = ref.kind === "Secret" && key.startsWith(`${id}/`);
      if (fromSecret || (ref.kind === ACCESS_REQUEST.kind && cached.via === id)) this.cache.delete(key);
    }
  }

  /** KubeConfigs kept (tests, diagnostics). */
  get size(): number {
    return this.cache.size;
  }

  private async read(ref: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace: string;
  }): Promise<KubeObject | undefined> {
    const cached = this.options.cached?.(ref);
    if (cached) return cached;
    try {
      return await KubeClient.for(this.options.source).get(ref);
    } catch (err) {
      if (err instanceof KubeApiError && err.reason === "NoKindMatch") return undefined;
      throw err;
    }
  }

  private async fromSecret(namespace: string, name: string, key: string, via?: string): Promise<KubeConfig> {
    const where = `Secret ${namespace}/${name}`;
    const secret = await this.read({ apiVersion: "v1", kind: "Secret", name, namespace });
    const cacheKey = `${namespace}/${name}/${key}`;
    if (!secret) {
      this.cache.delete(cacheKey);
      throw new AccessError("SecretNotFound", `${where} not found`);
    }
    const version = `${String(secret.metadata.uid)}/${String(secret.metadata.resourceVersion)}`;
    const cached = this.cache.get(cacheKey);
    if (cached?.version === version) return cached.kc;
    const encoded = (secret.data as Record<string, string> | undefined)?.[key];
    if (encoded === undefined) throw new AccessError("KeyMissing", `${where} has no key "${key}"`);
    const kc = parseKubeconfig(Buffer.from(encoded, "base64").toString("utf8"), `${where} key "${key}"`);
    this.cache.set(cacheKey, { version, kc, ...(via === undefined ? {} : { via }) });
    return kc;
  }
}
