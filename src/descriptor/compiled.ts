/** The compiled, immutable form of a descriptor that the engine works with (kro's "graph"). */
import type { Expression } from "./expr.js";
import type { IssuePath } from "./issues.js";
import type { ProviderDescriptor } from "./load.js";
import type { AdoptPolicy, DeletionPolicy, ReadinessRule } from "./plan.js";
import type { CompiledTemplate } from "./template.js";
import type { Validators } from "./validators.js";
import type { GroupKind, LabelSelector } from "./types.gen.js";
import type { CrdColumn } from "./crd-options.js";
import type { TargetName } from "./targets.js";

export type { TargetName } from "./targets.js";

export type Scope = "Namespaced" | "Cluster";

export interface ResourceNames {
  group: string;
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  scope: Scope;
  description?: string;
  /** Labels of the generated CRD. */
  labels: Record<string, string>;
  /** Printer columns of the generated CRD, in order. */
  columns: CrdColumn[];
  /** Whether the CRD requires spec; undefined: when the spec schema requires a field. */
  requireSpec?: boolean;
  /** JSON merge patch over the generated status schema (statusSchemaPatch). */
  statusSchemaPatch?: Record<string, unknown>;
}

export interface ApiVersionInfo {
  name: string;
  served: boolean;
  storage: boolean;
  /** JSON Schema of spec, $refs to files resolved. */
  schema: Record<string, unknown>;
}

export interface ApiInfo extends ResourceNames {
  versions: ApiVersionInfo[];
  storageVersion: string;
}

export interface ConfigInfo extends ResourceNames {
  version: string;
  schema: Record<string, unknown>;
  /**
   * How the config for an API object is chosen: `ref` (a reference field in the object),
   * else `selector` (labels; sticky once chosen), else `name`. `namespace` for namespaced kinds.
   */
  resolve: {
    name: CompiledTemplate;
    namespace?: CompiledTemplate;
    ref?: CompiledTemplate;
    selector?: LabelSelector;
  };
  /** Default poll interval; a config's spec.pollInterval overrides it. */
  pollIntervalMs: number;
}

export type TargetAccessInfo =
  | { kind: "kubeconfigSecret"; name: CompiledTemplate; namespace?: CompiledTemplate; key: string }
  | { kind: "openmcp" }
  /** The cluster spe runs against: its own platform access. */
  | { kind: "platform" };

export interface TargetInfo {
  /** The default target of the units. */
  cluster: TargetName;
  /** How the default target is reached. */
  access: TargetAccessInfo;
  /** Every configured target (the default first) and how it is reached. */
  clusters: ReadonlyMap<TargetName, TargetAccessInfo>;
}

/** One live value a unit declares (`live.<key>`): an object it deployed and a field of it. */
export interface CompiledLiveValue {
  key: string;
  apiVersion: string;
  kind: string;
  name: CompiledTemplate;
  namespace?: CompiledTemplate;
  /** The field, as path steps below the object; absent: `true` once the object exists. */
  path?: readonly string[];
  /** The field as the descriptor wrote it, for messages. */
  pathText?: string;
}

export interface CompiledUnit {
  name: string;
  index: number;
  type: "helm" | "manifests" | "copy" | "token";
  /** The cluster the unit deploys to. */
  target: TargetName;
  dependsOn: string[];
  deletionPolicy: DeletionPolicy;
  readiness: ReadinessRule;
  namespace?: CompiledTemplate;
  namespaces: CompiledTemplate[];
  forEach?: CompiledTemplate;
  /** Deployed only while this yields true; absent: always. */
  when?: CompiledTemplate;
  helm?: {
    chart: CompiledTemplate;
    releaseName: CompiledTemplate;
    createNamespace: boolean;
    adopt: AdoptPolicy;
    values: CompiledTemplate;
    /** Platform namespaces chart.secretRef and chart.caBundleRef may name. */
    sourceNamespaces: readonly string[];
  };
  manifests?: CompiledTemplate[];
  /** Live values read from objects the unit deployed, by key (`${live.<unit>.<key>}`). */
  live: readonly CompiledLiveValue[];
  copy?: {
    kind: "Secret" | "ConfigMap";
    sourceNamespaces: string[];
    from: CompiledTemplate;
    to: CompiledTemplate;
    keys?: CompiledTemplate;
  };
  token?: {
    /** The target the ServiceAccount is on. */
    from: TargetName;
    serviceAccount: CompiledTemplate;
    expirationSeconds: number;
    audiences: CompiledTemplate;
    secret: CompiledTemplate;
    kubeconfig?: CompiledTemplate;
  };
}

/** Where an expression sits and what it may read (for checks and lint). */
export interface ExpressionSite {
  expr: Expression;
  path: IssuePath;
  /** The unit it belongs to, if any. */
  unit?: string;
  /** True where `each` is bound: a forEach unit's manifests, a $forEach map's $item. */
  inForEach: boolean;
  /** The list `each` iterates there (gives `each` its schema). */
  forEach?: Expression;
}

export interface DeletionInfo {
  policy: DeletionPolicy;
  /** DomainServiceAPI kinds whose objects on the target block deletion (openMCP). */
  blockWhileExist: GroupKind[];
  /** CRDs on the target deleted after all units. */
  crds: string[];
}

export interface CompiledDescriptor {
  readonly name: string;
  readonly descriptor: ProviderDescriptor;
  readonly api: ApiInfo;
  readonly config: ConfigInfo;
  readonly target: TargetInfo;
  /** Units in dependency order (apply order); delete in reverse. */
  readonly units: readonly CompiledUnit[];
  readonly status: CompiledTemplate;
  /** Labels and annotations spe sets on the API object, by key. */
  readonly writeBack: {
    labels: Record<string, CompiledTemplate>;
    annotations: Record<string, CompiledTemplate>;
  };
  readonly deletion: DeletionInfo;
  /** `<api group>/finalizer`, as openMCP providers use. */
  readonly finalizer: string;
  readonly expressions: readonly ExpressionSite[];
  /** Ajv validators of API object spec per version, and of config spec. @internal */
  readonly validators: Validators;
}
