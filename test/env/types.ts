/** The contract between the test environment and the tests that use it. */

export const CLUSTER_ROLES = ["platform", "onboarding", "mcp", "workload"] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];

export interface ClusterInfo {
  name: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin kubeconfig file for this cluster. */
  kubeconfigPath: string;
  /** Whether kube-controller-manager and kwok run for this cluster (Deployments become Available). */
  workloads: boolean;
}

/**
 * Paths of the binaries built by test/env, keyed by name (etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kubectl, kwok, helm, the OCI registry and its
 * htpasswd writer, spe's own spe-helm-worker, and openmcp-operator for the openMCP tests).
 */
export type BinaryPaths = Record<
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubectl"
  | "kwok"
  | "helm"
  | "registry"
  | "htpasswd"
  | "spe-helm-worker"
  | "openmcp-operator",
  string
>;

/** The run's OCI registry (distribution): TLS from the run's CA, basic auth with these credentials. */
export interface RegistryInfo {
  /** 127.0.0.1:<port>, as image references and `oci://` chart URLs name it. */
  host: string;
  username: string;
  password: string;
  /** PEM file of the CA that signed the registry's certificate (the clusters' CA). */
  caFile: string;
  /** The fixture chart private-greeter, pushed with `helm push` at setup. */
  privateChart?: PrivateChart;
}

/** A fixture chart in a private source; `oci` is its reference in the registry. */
export interface PrivateChart {
  name: string;
  version: string;
  oci?: string;
}

/** The run's HTTPS chart repository: basic auth, a certificate from the run's CA. */
export interface ChartRepoInfo {
  /** https://127.0.0.1:<port>, what a descriptor's `chart.repo` names. */
  url: string;
  username: string;
  password: string;
  /** PEM file of the CA that signed its certificate. */
  caFile: string;
  /** The fixture chart it serves (private-greeter). */
  chart: PrivateChart;
}

export interface TestEnvironment {
  clusters: Record<ClusterRole, ClusterInfo>;
  binaries: BinaryPaths;
  /** Absent only when the environment was started without it (`startEnvironment({ registry: false })`). */
  registry?: RegistryInfo;
  /** Started with the registry (and absent without it). */
  chartRepo?: ChartRepoInfo;
}

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: TestEnvironment;
  }
}
