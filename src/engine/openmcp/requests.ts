/**
 * The ClusterRequests and AccessRequests (clusters.openmcp.cloud/v1alpha1) a ServiceProvider
 * creates on the platform cluster, built as openmcp-operator v1.3.0's clusteraccess libraries
 * build them (pure): names, labels, finalizer, references and token permissions. A cluster
 * provider grants them; the ControlPlane controller cleans up what carries these labels.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import { stableRequestName, tenantNamespace } from "./names.js";

export const CLUSTERS_API_VERSION = "clusters.openmcp.cloud/v1alpha1";
export const ACCESS_REQUEST_KIND = "AccessRequest";
export const CLUSTER_REQUEST_KIND = "ClusterRequest";

export const LABEL = {
  managedBy: "openmcp.cloud/managed-by",
  managedPurpose: "openmcp.cloud/managed-purpose",
  onboardingName: "openmcp.cloud/onboarding-name",
  onboardingNamespace: "openmcp.cloud/onboarding-namespace",
} as const;

/** Set on the requests the per-MCP cluster access creates; removed (with all others) once only it is left. */
export const CLUSTER_ACCESS_FINALIZER = "clusters.openmcp.cloud/clusteraccess";

/** The request ids openMCP uses as name suffixes: the MCP's own cluster, and a workload cluster. */
export const MCP_SUFFIX = "mcp";
export const WORKLOAD_SUFFIX = "wl";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface TokenConfig {
  permissions: { rules: PolicyRule[] }[];
  roleRefs?: { name: string; kind: "ClusterRole" | "Role"; namespace?: string }[];
}

/** An MCP, i.e. a ControlPlane on the onboarding cluster; API objects share its name and namespace. */
export interface McpRef {
  namespace: string;
  name: string;
}

/** `init` installs CRDs on the onboarding cluster. */
export const INIT_RULES: PolicyRule[] = [
  { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["*"] },
];

/**
 * `run` serves its API group on the onboarding cluster (`<group>/*`, as the template does), and
 * records Events about its objects there, which the template's rule would not allow.
 */
export function runRules(group: string): PolicyRule[] {
  return [
    { apiGroups: [group], resources: ["*"], verbs: ["*"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
  ];
}

/** What the template and flux ask for on an MCP or workload cluster: everything. */
export const ADMIN_TOKEN: TokenConfig = {
  permissions: [{ rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] }],
  roleRefs: [{ name: "cluster-admin", kind: "ClusterRole" }],
};

function ref(kind: string, name: string, namespace: string): KubeObject {
  return { apiVersion: CLUSTERS_API_VERSION, kind, metadata: { name, namespace } };
}

export interface RequestPair {
  clusterRequest: KubeObject;
  accessRequest: KubeObject;
}

/**
 * Onboarding access for `init` (local name `onboarding-init`) or `run` (`onboarding-run`): a
 * ClusterRequest with purpose onboarding and an AccessRequest pointing to it, both named
 * `<controller>--<localName>` in the provider's own namespace (clusteraccess.CreateAndWaitForCluster).
 */
export function onboardingRequests(
  controller: string,
  localName: string,
  namespace: string,
  rules: readonly PolicyRule[],
): RequestPair {
  const name = stableRequestName(controller, localName);
  const labels = { [LABEL.managedBy]: controller };
  const base = (kind: string): KubeObject => {
    const obj = ref(kind, name, namespace);
    return { ...obj, metadata: { ...obj.metadata, labels } };
  };
  return {
    clusterRequest: { ...base(CLUSTER_REQUEST_KIND), spec: { purpose: "onboarding" } },
    accessRequest: {
      ...base(ACCESS_REQUEST_KIND),
      spec: { requestRef: { name, namespace }, token: { permissions: [{ rules: [...rules] }] } },
    },
  };
}

/** The labels openMCP's per-MCP cluster access puts on (and expects of) its requests. */
export function mcpLabels(controller: string, mcp: McpRef, purpose: string): Record<string, string> {
  return {
    [LABEL.managedBy]: controller,
    [LABEL.managedPurpose]: `${mcp.namespace}.${mcp.name}.${purpose}`.replace(/^[. ]+|[. ]+$/g, ""),
    [LABEL.onboardingName]: mcp.name,
    [LABEL.onboardingNamespace]: mcp.namespace,
  };
}

/**
 * The AccessRequest for the MCP's own cluster: `<controller>--<mcp>--mcp` in the MCP's tenant
 * namespace, referring to the ClusterRequest the ControlPlane controller made there (named like the MCP).
 */
export function mcpAccessRequest(
  controller: string,
  mcp: McpRef,
  token: TokenConfig = ADMIN_TOKEN,
): KubeObject {
  const namespace = tenantNamespace(mcp);
  const name = stableRequestName(controller, mcp.name, MCP_SUFFIX);
  return {
    apiVersion: CLUSTERS_API_VERSION,
    kind: ACCESS_REQUEST_KIND,
    metadata: {
      name,
      namespace,
      labels: mcpLabels(controller, mcp, "mcp"),
      finalizers: [CLUSTER_ACCESS_FINALIZER],
    },
    spec: { requestRef: { name: mcp.name, namespace }, token },
  };
}

/**
 * A workload cluster for the MCP: a ClusterRequest with purpose workload and an AccessRequest
 * pointing to it, both `<controller>--<mcp>--wl` in the tenant namespace, with the clusteraccess finalizer.
 */
export function workloadRequests(
  controller: string,
  mcp: McpRef,
  token: TokenConfig = ADMIN_TOKEN,
): RequestPair {
  const namespace = tenantNamespace(mcp);
  const name = stableRequestName(controller, mcp.name, WORKLOAD_SUFFIX);
  const metadata = {
    name,
    namespace,
    labels: mcpLabels(controller, mcp, "workload"),
    finalizers: [CLUSTER_ACCESS_FINALIZER],
  };
  return {
    clusterRequest: {
      apiVersion: CLUSTERS_API_VERSION,
      kind: CLUSTER_REQUEST_KIND,
      metadata,
      spec: { purpose: "workload" },
    },
    accessRequest: {
      apiVersion: CLUSTERS_API_VERSION,
      kind: ACCESS_REQUEST_KIND,
      metadata,
      spec: { requestRef: { name, namespace }, token },
    },
  };
}

/** The label (if any) on `live` that differs from what we would have set: it is someone else's request. */
export function foreignLabel(
  live: { metadata: { labels?: Readonly<Record<string, string>> } },
  wanted: { metadata: { labels?: Readonly<Record<string, string>> } },
): string | undefined {
  const labels = live.metadata.labels ?? {};
  for (const [key, value] of Object.entries(wanted.metadata.labels ?? {})) {
    if (labels[key] !== value) return `${key}=${labels[key] ?? "<none>"} (expected ${value})`;
  }
  return undefined;
}
