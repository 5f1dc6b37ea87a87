/**
 * Identities other than the admin certificate on the shared test environment's clusters
 * (test/support/service-accounts.ts does the work for any cluster).
 */
import { dirname } from "node:path";
import { KubeConfig } from "../../../src/kube/kubeconfig.js";
import type { ClusterRole } from "../../env/types.js";
import {
  grantToken,
  runCertificates,
  tokenKubeconfigOf,
  type Grant,
} from "../../support/service-accounts.js";
import { kubeConfigFor, testEnv } from "./env.js";

/** The run's CA and the apiservers' serving certificate (SAN 127.0.0.1): a fault proxy can present it. */
export function servingCertificate(): Promise<{ cert: string; key: string; ca: string }> {
  return runCertificates(dirname(dirname(testEnv().clusters.platform.kubeconfigPath)));
}

/**
 * A ServiceAccount `namespace/name` on `role`'s cluster bound to `grant.clusterRole` (cluster-wide,
 * or with `namespaceOnly` in its own namespace only), and a fresh token for it (one
 * hour). Deleting the ServiceAccount revokes every token it got.
 */
export function serviceAccountToken(
  role: ClusterRole,
  namespace: string,
  name: string,
  grant?: Grant,
): Promise<string> {
  return grantToken(kubeConfigFor(role), namespace, name, grant);
}

/** Kubeconfig text for `server` (default `role`'s apiserver) with a bearer token and the run's CA. */
export function tokenKubeconfig(role: ClusterRole, token: string, server?: string): string {
  return tokenKubeconfigOf(kubeConfigFor(role), token, server);
}

export function kubeConfigOf(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
