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
 * kube-controller-manager, kube-scheduler, kubectl, kwok, helm, spe's own spe-helm-worker, and openmcp-operator for the openMCP tests).
 */
export type BinaryPaths = Record<
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubectl"
  | "kwok"
  | "helm"
  | "spe-helm-worker"
  | "openmcp-operator",
  string
>;

export interface TestEnvironment {
  clusters: Record<ClusterRole, ClusterInfo>;
  binaries: BinaryPaths;
}

declare module "vitest" {
  export interface ProvidedContext {
    testEnv: TestEnvironment;
  }
}
