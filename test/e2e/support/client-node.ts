/**
 * The tests check the engine with @kubernetes/client-node's generated clients, an
 * implementation independent of spe's own. This turns spe's KubeConfig (what the code
 * under test takes) into client-node's, for the same cluster and user.
 */
import { KubeConfig as ClientNodeConfig } from "@kubernetes/client-node";
import type { KubeConfig } from "../../../src/kube/kubeconfig.js";

const converted = new WeakMap<KubeConfig, ClientNodeConfig>();

export function clientNode(kc: KubeConfig): ClientNodeConfig {
  let config = converted.get(kc);
  if (!config) {
    config = new ClientNodeConfig();
    config.loadFromString(kc.exportConfig());
    converted.set(kc, config);
  }
  return config;
}
