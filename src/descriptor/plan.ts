/**
 * The deploy plan: what `render` produces from (descriptor, API object, config)
 * and what the engine hands to plugins. Pure data, no behaviour; the contract
 * between src/descriptor (producer) and src/engine + src/plugins (consumers).
 */

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Where a chart comes from. Exactly one of repo+name, oci or path is set. */
export interface ChartRef {
  /** Classic chart repository URL (http or https), used with `name`. */
  repo?: string;
  name?: string;
  /** OCI reference, e.g. oci://registry/charts/crossplane */
  oci?: string;
  /** Local chart directory or .tgz, resolved relative to the descriptor's directory. */
  path?: string;
  version?: string;
  /** The Secret on the platform cluster holding credentials for the chart's registry or repository. */
  secretRef?: ChartCredentialsRef;
  /** The ConfigMap or Secret key on the platform cluster holding the CA bundle for the chart's server. */
  caBundleRef?: ChartCABundle;
}

/** A Secret of registry credentials (kubernetes.io/dockerconfigjson, or username and password keys). */
export interface ChartCredentialsRef {
  namespace: string;
  name: string;
}

/** PEM certificates in a key of a ConfigMap or Secret. */
export interface ChartCABundle {
  kind: "ConfigMap" | "Secret";
  namespace: string;
  name: string;
  key: string;
}

/**
 * What an install or upgrade does with an object of the chart that exists without this
 * release's ownership metadata: `ifUnowned` takes it when no owner's metadata is on it.
 */
export type AdoptPolicy = "ifUnowned" | "never";

export interface HelmReleasePlan {
  releaseName: string;
  namespace: string;
  chart: ChartRef;
  values: JsonObject;
  createNamespace: boolean;
  adopt: AdoptPolicy;
}

export type DeletionPolicy = "delete" | "orphan";

/** How readiness of a unit is decided. `kstatus`: every deployed object Current. */
export type ReadinessRule = { kind: "kstatus" } | { kind: "none" };

interface UnitPlanBase {
  name: string;
  /** The cluster the unit deploys to: mcp, workload or platform (render always names it). */
  target?: "mcp" | "workload" | "platform";
  dependsOn: string[];
  deletionPolicy: DeletionPolicy;
  readiness: ReadinessRule;
}

export interface HelmUnitPlan extends UnitPlanBase {
  type: "helm";
  helm: HelmReleasePlan;
}

export interface ManifestsUnitPlan extends UnitPlanBase {
  type: "manifests";
  /** Objects in apply order; deleted in reverse. */
  manifests: KubeObject[];
}

/** An object on a cluster by namespace and name. */
export interface NamespacedName {
  namespace: string;
  name: string;
}

/** One copy: a Secret or ConfigMap on the platform cluster to the target. */
export interface CopyItem {
  from: NamespacedName;
  to: NamespacedName;
  /** The keys to copy, renamed (`from` in the source, `to` in the copy); absent: every key as it is. */
  keys?: { from: string; to: string }[];
}

export interface CopyPlan {
  kind: "Secret" | "ConfigMap";
  /** The platform namespaces the descriptor allows sources in; every item's `from` is in one of them. */
  sourceNamespaces: string[];
  items: CopyItem[];
}

export interface CopyUnitPlan extends UnitPlanBase {
  type: "copy";
  copy: CopyPlan;
}

/**
 * A token for a ServiceAccount on one target (`from`), written as a Secret on the unit's target.
 * The plan names where; the token itself is minted by the plugin, never part of a plan.
 */
export interface TokenPlan {
  from: "mcp" | "workload" | "platform";
  serviceAccount: NamespacedName;
  /** The lifetime asked for (TokenRequest expirationSeconds). */
  expirationSeconds: number;
  /** Empty: the apiserver's own audiences. */
  audiences: string[];
  secret: NamespacedName;
  /** Also write a kubeconfig for the `from` cluster; `server` overrides the URL spe reaches it at. */
  kubeconfig?: { server?: string };
}

export interface TokenUnitPlan extends UnitPlanBase {
  type: "token";
  token: TokenPlan;
}

export type UnitPlan = HelmUnitPlan | ManifestsUnitPlan | CopyUnitPlan | TokenUnitPlan;

/** Outputs a deployed unit exposes to later units and to status projection as `deploy.<unit>`. */
export interface UnitOutputs {
  release?: { name: string; namespace: string; chartName: string; chartVersion: string; revision: number };
  objects: { apiVersion: string; kind: string; name: string; namespace?: string }[];
  ready: boolean;
}
