/** The kubeconfig text handed to helm (client-go) for a KubeConfig. */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { stringify } from "yaml";

/**
 * exportConfig already writes client-go's format: inline credentials inline, file
 * references as references; an in-cluster service account is a `tokenFile`, which
 * client-go re-reads as the kubelet rotates it.
 */
export function kubeconfigForHelm(kc: KubeConfig): string {
  return stringify(JSON.parse(kc.exportConfig()));
}
