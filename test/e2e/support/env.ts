import { KubeConfig } from "../../../src/kube/kubeconfig.js";
import { inject } from "vitest";
import type { ClusterRole, TestEnvironment } from "../../env/types.js";

/** The environment that test/env/global-setup.ts started for this run. */
export function testEnv(): TestEnvironment {
  return inject("testEnv");
}

/** An admin KubeConfig for one of the run's clusters. */
export function kubeConfigFor(role: ClusterRole): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testEnv().clusters[role].kubeconfigPath);
  return kc;
}
