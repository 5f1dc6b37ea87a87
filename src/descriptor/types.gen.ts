// Generated from schemas/descriptor.schema.json by src/descriptor/gen/main.ts; do not edit (npm run gen:descriptor-types).

/** A ProviderDescriptor describes one DomainService: the API end users request it with, the config platform operators offer it with, where it is deployed and what is deployed. spe turns it into a working openMCP-style ServiceProvider. */
export interface ProviderDescriptorResource {
  /** Always spe.dev/v1alpha1. */
  apiVersion: "spe.dev/v1alpha1";
  /** Always ProviderDescriptor. */
  kind: "ProviderDescriptor";
  metadata: DescriptorMetadata;
  spec: DescriptorSpec;
}

/** A string that may contain ${…} mapping expressions over the context {api, config, target, each, deploy}. A string that is exactly one expression keeps the value's type; otherwise the values are interpolated as text. `$${` writes a literal `${`. */
export type Template = string;

/** Identifies the descriptor. */
export interface DescriptorMetadata {
  /** The provider's name (a DNS label), e.g. crossplane. Also the default name of the ProviderConfig that configures it. */
  name: string;
  /** Free-form labels. */
  labels?: Record<string, string>;
  /** Free-form annotations. */
  annotations?: Record<string, string>;
}

/** What the provider serves, how it is configured, where and what it deploys. */
export interface DescriptorSpec {
  /** A human description of the DomainService. */
  description?: string;
  api: ApiSpec;
  config: ConfigSpec;
  target: TargetSpec;
  /** The deploy units: a DAG (by dependsOn) applied in dependency order and deleted in reverse order. */
  deploy: DeployUnit[];
  readiness: Readiness;
  /** Labels and annotations spe sets on the API object itself (for example an instance id from ${hash(…)}), by a metadata patch of its own field manager. Their values come from spe, never from the user: a value a user sets is overwritten, and mappings read spe's value. Values may read api (without these keys) and config. */
  writeBack?: {
    /** Label key → value (a literal or ${…}). */
    labels?: Record<string, Template>;
    /** Annotation key → value (a literal or ${…}). */
    annotations?: Record<string, Template>;
  };
  /** Fields projected into the API object's status, each a value that may hold ${…} expressions (for example `${deploy.crossplane.release.chartVersion}`). Keys must not collide with observedGeneration, phase, conditions, resources, drift, units or providerConfigRef. */
  status: Record<string, unknown>;
  deletion: DeletionSpec;
}

/** The ServiceProviderAPI end users create on the onboarding cluster to request the DomainService. */
export interface ApiSpec {
  /** The API group, a DNS subdomain with at least one dot, e.g. crossplane.services.open-control-plane.io. */
  group: string;
  /** The kind in UpperCamelCase, e.g. Crossplane. */
  kind: string;
  /** The plural resource name; defaults to the lower-cased kind plus s. */
  plural?: string;
  /** The singular resource name; defaults to the lower-cased kind. */
  singular?: string;
  /** The list kind; defaults to the kind plus List. */
  listKind?: string;
  /** Short names for kubectl. */
  shortNames?: string[];
  /** Categories for kubectl get <category>. */
  categories?: string[];
  /** Namespaced (the default, as openMCP: one object per MCP, same name and namespace) or Cluster. */
  scope: "Namespaced" | "Cluster";
  /** Shown by kubectl explain for the kind. */
  description?: string;
  /** Labels of the generated API CRD, merged over the default {"openmcp.cloud/cluster": "onboarding"} (openMCP's init installs a CRD on the cluster this label names). */
  crdLabels?: CrdLabels;
  /** Whether the API CRD requires spec. Defaults to true when the spec schema has required fields. */
  requireSpec?: boolean;
  /** A JSON merge patch (RFC 7386) applied to the generated status schema of the API CRD, so that openMCP's status fields carry exactly upstream's attributes (null removes a key, e.g. required: null or a list type). spe's own status fields must keep their type: the engine writes them. */
  statusSchemaPatch?: Record<string, unknown>;
  /** The served versions; exactly one is the storage version. */
  versions: ApiVersion[];
  /** The CRD's printer columns for kubectl get, exactly in this order. A column with only a name is one of spe's built-in columns: Ready, Phase or Age. Without this list: Ready, Phase, Age. */
  printerColumns?: PrinterColumn[];
}

/** One version of the API. */
export interface ApiVersion {
  /** The version name, e.g. v1alpha1. */
  name: string;
  /** Whether the version is served. */
  served: boolean;
  /** Whether this is the storage version; defaults to true for the last version. */
  storage?: boolean;
  schema: SpecSchema;
}

/** The JSON Schema (OpenAPI v3 subset) of the object's spec, inline or as {$ref: ./file.yaml}. Descriptions are carried into the CRD so kubectl explain shows them. */
export type SpecSchema = Record<string, unknown>;

/** A printer column: name and jsonPath, or only a name for one of spe's built-in columns (Ready: the Ready condition's status; Phase: status.phase; Age: metadata.creationTimestamp). */
export interface PrinterColumn {
  /** Column header. */
  name: string;
  /** A simple JSONPath into the object, e.g. .spec.version. Leave it out for a built-in column. */
  jsonPath?: string;
  /** Column type. */
  type: "string" | "integer" | "number" | "boolean" | "date";
  /** Optional OpenAPI format. */
  format?: string;
  /** Column description. */
  description?: string;
  /** 0 shows the column by default; higher only with -o wide. */
  priority: number;
}

/** Kubernetes labels (name to value) set on a generated CRD. */
export type CrdLabels = Record<string, string>;

/** The ServiceProviderConfig platform operators create on the platform cluster to offer the DomainService. */
export interface ConfigSpec {
  /** The config kind. */
  kind: string;
  /** The config API group; defaults to the API's group. */
  group?: string;
  /** The config version. */
  version: string;
  /** The plural resource name; defaults to the lower-cased kind plus s. */
  plural?: string;
  /** The singular resource name; defaults to the lower-cased kind. */
  singular?: string;
  /** The list kind; defaults to the kind plus List. */
  listKind?: string;
  /** Short names for kubectl. */
  shortNames?: string[];
  /** Cluster (the default, as openMCP) or Namespaced. */
  scope: "Namespaced" | "Cluster";
  /** Shown by kubectl explain for the config kind. */
  description?: string;
  /** Labels of the generated config CRD, merged over the default {"openmcp.cloud/cluster": "platform"}. */
  crdLabels?: CrdLabels;
  /** Whether the config CRD requires spec. Defaults to true when the spec schema has required fields. */
  requireSpec?: boolean;
  /** A JSON merge patch (RFC 7386) applied to the generated status schema of the config CRD (as for the API). */
  statusSchemaPatch?: Record<string, unknown>;
  /** Whether the config CRD declares spec.pollInterval (the engine's override of pollInterval) when the schema does not. false serves exactly the schema: a config then cannot override the poll interval. */
  pollIntervalField: boolean;
  /** The config CRD's printer columns, exactly in this order (built-in columns as for the API). Without this list: Age. */
  printerColumns?: PrinterColumn[];
  schema: SpecSchema;
  resolve: ConfigResolve;
  /** How often API objects are re-checked when nothing changes (e.g. 30s, 1m, 1h); a config's spec.pollInterval overrides it. */
  pollInterval: string;
}

/** How the config for an API object is found. */
export interface ConfigResolve {
  /** A reference field in the API object naming the config, e.g. ${api.spec.providerConfigRef.name ?? ""}: when it yields a non-empty name, that config serves the object (and nothing else is tried); when it is missing or empty, the selector or name decides. */
  ref?: Template;
  /** A label selector over the configs: without a reference, the one config whose labels match serves the object (none or several is condition ConfigResolved=False). Once chosen, a config is kept (status.providerConfigRef) while it exists, even when other configs start to match. Not together with name. */
  selector?: LabelSelector;
  /** The config's name: a literal or a ${api…} expression. Defaults to the provider's name (openMCP) when there is no selector. */
  name?: Template;
  /** The config's namespace when the config kind is namespaced: a literal or a ${api…} expression; a selector then looks only there. */
  namespace?: Template;
}

/** A Kubernetes label selector: every matchLabels entry and every matchExpressions requirement must hold. */
export interface LabelSelector {
  /** Labels the config must carry with exactly these values. */
  matchLabels?: Record<string, string>;
  /** Requirements on labels: In and NotIn take values, Exists and DoesNotExist none. */
  matchExpressions?: {
    /** The label key. */
    key: string;
    /** How the label is compared. */
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    /** The values for In and NotIn. */
    values?: string[];
  }[];
}

/** The cluster the DomainService is deployed to and how spe reaches it. */
export interface TargetSpec {
  /** The default target of the units: mcp (the MCP cluster of the API object), workload (a workload cluster for it) or platform (the cluster spe runs against). A unit's own target overrides it. */
  cluster: "mcp" | "workload" | "platform";
  /** How spe reaches the default target (spec.target.cluster); not used for platform. */
  access: TargetAccess;
  /** Further targets units may name with their target field, each with its own access. The default target (spec.target.cluster) is not listed here: its access is spec.target.access. */
  clusters?: TargetClusters;
}

/** Targets besides the default one, by name. */
export interface TargetClusters {
  mcp?: RemoteTarget;
  workload?: RemoteTarget;
  /** The cluster spe runs against (its platform access); it takes no access of its own. */
  platform?: Record<string, never>;
}

/** A target cluster besides the default one and how spe reaches it. */
export interface RemoteTarget {
  /** How spe reaches this target. With openmcp in standalone mode, the AccessRequest read is named <API object name>--<target> (the default target's: the API object's name). */
  access: TargetAccess;
}

/** How the target is reached: exactly one of kubeconfigSecret or openmcp. Defaults to openmcp. */
export interface TargetAccess {
  kubeconfigSecret?: KubeconfigSecretAccess;
  openmcp?: OpenMcpAccess;
}

/** A Secret on the platform cluster holding a kubeconfig for the target. */
export interface KubeconfigSecretAccess {
  /** The Secret's namespace (may map ${api…}). */
  namespace?: Template;
  /** The Secret's name (may map ${api…}). */
  name: Template;
  /** The data key holding the kubeconfig. */
  key: string;
}

/** openMCP AccessRequest (clusters.openmcp.cloud/v1alpha1) for the MCP with the API object's name and namespace; the Secret named by its status holds the kubeconfig. */
export type OpenMcpAccess = Record<string, never>;

/** One deploy unit: exactly one of helm, manifests, copy or token. */
export interface DeployUnit {
  /** Unique unit name (a DNS label); later units and status refer to its outputs as ${deploy.<name>…}. */
  name: string;
  /** A human description of the unit. */
  description?: string;
  /** Units that must be deployed (and ready) before this one. */
  dependsOn: string[];
  /** Deploy the unit only while this ${…} expression yields true (e.g. ${has(config.spec.reloader)}). A unit whose when turns false is removed like a deleted one; units depending on it no longer wait for it, and its outputs are absent (read them with a ?? default). */
  when?: Template;
  /** Only for manifests and copy: a ${…} expression yielding a list; the manifests (or the copy) are rendered once per item with ${each} bound to it. */
  forEach?: Template;
  /** The unit's namespace (literal or mapped): the helm release's namespace and the default for namespaced manifests. Rendered objects may only land here or in `namespaces`. */
  namespace?: Template;
  /** Further namespaces manifests of this unit may name explicitly. */
  namespaces?: Template[];
  readiness?: Readiness;
  /** The cluster this unit deploys to: mcp, workload or platform. Defaults to spec.target.cluster; any other must be configured under spec.target.clusters. */
  target?: "mcp" | "workload" | "platform";
  /** delete removes what the unit deployed when the API object goes; orphan leaves it. Defaults to spec.deletion.policy. */
  deletionPolicy?: "delete" | "orphan";
  /** Live values: fields of objects this unit deployed, read once they exist (a Service's load-balancer address, whether a Secret exists), by name. Units that depend on this one and spec.status read them as ${live.<unit>.<name>}; a unit reading one that is not there yet waits (pending) and is deployed as soon as it appears. Of a Secret only its existence, type and metadata can be read, never its data. */
  live?: Record<string, LiveValue>;
  helm?: HelmUnit;
  /** Kubernetes objects applied in order (server-side apply) and deleted in reverse. */
  manifests?: ManifestTemplate[];
  copy?: CopyUnit;
  token?: TokenUnit;
}

/** One live value: an object the unit deployed and, optionally, a field of it. */
export interface LiveValue {
  /** The object's apiVersion. */
  apiVersion: string;
  /** The object's kind (e.g. Service, Secret, Ingress). It must be one of the objects the unit deployed. */
  kind: string;
  /** The object's name (literal or mapped). */
  name: Template;
  /** The object's namespace (literal or mapped); defaults to the unit's namespace. Leave it out for cluster-scoped kinds when the unit has none. */
  namespace?: Template;
  /** A field of the object as a path without root, e.g. status.loadBalancer.ingress[0].ip; the value waits while the field is absent, null or empty. Without path the value is true once the object exists. Of a Secret only type and metadata (name, namespace, uid, labels, annotations, creationTimestamp) may be read. */
  path?: string;
}

/** Copies a Secret or ConfigMap from the platform cluster (where the API objects' configs live) to the target: with forEach, one per item. The copy is watched: a changed source is copied again, a copy no longer wanted is removed. */
export interface CopyUnit {
  /** What is copied: Secret (its type, e.g. kubernetes.io/dockerconfigjson, is kept) or ConfigMap. */
  kind: "Secret" | "ConfigMap";
  /** The namespaces on the platform cluster this unit may copy from (literal names, never mapped). A source in any other namespace is refused (InvalidInput), so an API object cannot make spe copy another namespace's Secret by naming it. */
  sourceNamespaces: string[];
  from: CopySource;
  to?: CopyTarget;
  /** Copy only these keys, each under a new name if given; without keys every key is copied as it is. */
  keys?: CopyKey[];
}

/** The object copied, on the platform cluster. */
export interface CopySource {
  /** Its name (e.g. ${each.name} over a list of image pull Secret references). */
  name: Template;
  /** Its namespace; must render to one of sourceNamespaces. Defaults to the first of sourceNamespaces. */
  namespace?: Template;
}

/** Where the copy goes on the target. */
export interface CopyTarget {
  /** The copy's name; defaults to the source's. */
  name?: Template;
  /** The copy's namespace: the unit's namespace (the default) or one of its namespaces. */
  namespace?: Template;
}

/** One key to copy. */
export interface CopyKey {
  /** The key in the source (e.g. ${config.spec.caBundleRef.key}). */
  from: Template;
  /** The key in the copy; defaults to from. */
  to?: Template;
}

/** Mints a token for a ServiceAccount on one target (TokenRequest: bounded lifetime, renewed before it expires) and writes it as a Secret on the unit's target, so a workload there can act on the other cluster (velero's server on the workload cluster acting on the MCP). */
export interface TokenUnit {
  /** The target the ServiceAccount is on (mcp, workload or platform); defaults to spec.target.cluster. spe's access to it needs create on serviceaccounts/token there. */
  from?: "mcp" | "workload" | "platform";
  serviceAccount: TokenServiceAccount;
  /** How long each token is valid (expirationSeconds of the TokenRequest): at least 10m (the apiserver's minimum), at most 24h. spe asks for a new one after two thirds of it. */
  lifetime: string;
  /** The token's audiences; default: the apiserver's own (the token authenticates against that apiserver). */
  audiences?: Template[];
  secret: TokenSecret;
  kubeconfig?: TokenKubeconfig;
}

/** The ServiceAccount the token is for, on the `from` target (usually deployed by a unit this one dependsOn). */
export interface TokenServiceAccount {
  /** Its name. */
  name: Template;
  /** Its namespace. */
  namespace: Template;
}

/** The Secret on the unit's target that holds the token (keys token, namespace, ca.crt when the from target's CA is known, kubeconfig when asked for). */
export interface TokenSecret {
  /** Its name. */
  name: Template;
  /** Its namespace: the unit's namespace (the default) or one of its namespaces. */
  namespace?: Template;
}

/** Also write a kubeconfig (server, CA, token) under key `kubeconfig`, for a workload that reads one. */
export interface TokenKubeconfig {
  /** The from target's apiserver URL as seen from the unit's target; defaults to the server spe reaches it at. */
  server?: Template;
}

/** A Helm release. */
export interface HelmUnit {
  chart: ChartSource;
  /** The release name; defaults to the unit name. */
  releaseName?: Template;
  /** Create the release namespace if missing (labelled app.kubernetes.io/managed-by: spe; deletion removes it when it holds nothing else). */
  createNamespace: boolean;
  /** What an install or upgrade does with an object of the chart that exists already without this release's ownership metadata. ifUnowned takes it into the release when it carries no owner's metadata at all (no helm release annotations, no app.kubernetes.io/managed-by other than Helm, no controller owner reference), such as an object re-created after an uninstall; an object of another owner is never taken and fails the install. never: every such object fails the install, as with helm's defaults. */
  adopt: "ifUnowned" | "never";
  /** The namespaces on the platform cluster chart.secretRef and chart.caBundleRef may read from (literal names, never mapped). A reference to any other namespace is refused (InvalidInput), so a config cannot make spe use another namespace's Secret. */
  sourceNamespaces?: string[];
  /** The release values: an object whose values may be ${…} mappings, or one ${…} expression yielding an object (e.g. the values of the selected version in the config). */
  values: Record<string, unknown> | string;
}

/** Where the chart comes from: exactly one of repo (with name), oci or path. */
export interface ChartSource {
  /** Chart repository URL, http:// or https:// (helm has no file:// repositories; a chart on disk is `path`). */
  repo?: Template;
  /** Chart name in the repository. */
  name?: Template;
  /** OCI reference, e.g. oci://registry/charts/crossplane. */
  oci?: Template;
  /** Local chart directory or .tgz, relative to the descriptor's directory. */
  path?: Template;
  /** Chart version. */
  version?: Template;
  secretRef?: ChartSecretRef;
  caBundleRef?: ChartCABundleRef;
}

/** Credentials for the chart's OCI registry or HTTP(S) repository: a Secret on the platform cluster of type kubernetes.io/dockerconfigjson (the entry for the chart's host) or with username and password keys (kubernetes.io/basic-auth). Its fields may only map the config (openMCP's chartPullSecret, chart.secretRef.name); an empty name means none. Read for each install or upgrade and watched: a rotated Secret is used at once. */
export interface ChartSecretRef {
  /** The Secret's name; empty for no credentials. */
  name: Template;
  /** The Secret's namespace; must be one of the unit's sourceNamespaces, the first of them by default. */
  namespace?: Template;
}

/** PEM certificates the chart's OCI registry or HTTPS repository is trusted by, besides the system's: a key of a ConfigMap or Secret on the platform cluster (openMCP's caBundleRef). Its fields may only map the config; an empty name means none. */
export interface ChartCABundleRef {
  /** What holds the bundle. */
  kind: "ConfigMap" | "Secret";
  /** The ConfigMap's or Secret's name; empty for no CA bundle. */
  name: Template;
  /** Its namespace; must be one of the unit's sourceNamespaces, the first of them by default. */
  namespace?: Template;
  /** The key holding the PEM certificates (e.g. ca.crt). */
  key: Template;
}

/** A Kubernetes object; any value may be a ${…} mapping, keys are always literal. */
export interface ManifestTemplate {
  /** The object's apiVersion. */
  apiVersion: Template;
  /** The object's kind. */
  kind: Template;
  /** The object's metadata; name is required. */
  metadata: Record<string, unknown>;
  [key: string]: unknown;
}

/** kstatus (default): ready when every deployed object is Current by kstatus rules; none: ready once applied. */
export type Readiness = "kstatus" | "none";

/** What happens when an API object is deleted. */
export interface DeletionSpec {
  /** Default deletion policy of the units. */
  policy: "delete" | "orphan";
  /** DomainServiceAPI kinds on the target: while end users have objects of these, deletion waits (condition DeletionBlocked, reason UserResourcesPresent), as openMCP does. Each kind is looked for in every version its group serves; objects spe deployed for the API object do not count. When that cannot be told (discovery or a list fails, a CRD defines the kind but it is not served) deletion waits too (reason UserResourcesUnknown). */
  blockWhileExist: GroupKind[];
  /** CustomResourceDefinition names on the target deleted after all units are gone: only those that were not there before a unit of the API object was first created (status.units[].crds records them); the others are left and named in the Deleted event. */
  crds: string[];
}

/** An API group and kind. */
export interface GroupKind {
  /** API group; empty for the core group. */
  group: string;
  /** Kind. */
  kind: string;
  /** The one version to look for the kind in; by default every version its group serves. */
  version?: string;
}
