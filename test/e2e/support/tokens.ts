/**
 * Identities other than the admin certificate: ServiceAccounts with bound tokens
 * (TokenRequest), which die with their ServiceAccount, and kubeconfigs that use them, as a
 * target kubeconfig Secret or an AccessRequest's grant does.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { KubeClient } from "../../../src/kube/client.js";
import { KubeConfig } from "../../../src/kube/kubeconfig.js";
import type { ClusterRole } from "../../env/types.js";
import { kubeConfigFor, testEnv } from "./env.js";

/** The run's CA and the apiservers' serving certificate (SAN 127.0.0.1): a fault proxy can present it. */
export async function servingCertificate(): Promise<{ cert: string; key: string; ca: string }> {
  const runDir = dirname(dirname(testEnv().clusters.platform.kubeconfigPath));
  const [cert, key, ca] = await Promise.all(
    ["serving.crt", "serving.key", "ca.crt"].map((f) => readFile(join(runDir, f), "utf8")),
  );
  return { cert: cert!, key: key!, ca: ca! };
}

/**
 * A ServiceAccount `namespace/name` on `role`'s cluster bound to `grant.clusterRole` (cluster-wide,
 * or with `namespaceOnly` in its own namespace only), and a fresh token for it (one
 * hour). Deleting the ServiceAccount revokes every token it got.
 */
export async function serviceAccountToken(
  role: ClusterRole,
  namespace: string,
  name: string,
  grant: { clusterRole: string; namespaceOnly?: boolean } = { clusterRole: "cluster-admin" },
): Promise<string> {
  const { clusterRole } = grant;
  const scope = grant.namespaceOnly ? "namespace" : "cluster";
  const client = KubeClient.for(kubeConfigFor(role));
  const manager = { manager: "e2e", force: true };
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, manager);
  await client.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }, manager);
  await client.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: scope === "cluster" ? "ClusterRoleBinding" : "RoleBinding",
      metadata: scope === "cluster" ? { name: `${namespace}-${name}` } : { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
    manager,
  );
  const answer = (await client.send({
    method: "POST",
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  })) as { status: { token: string } };
  return answer.status.token;
}

/** Kubeconfig text for `server` (default `role`'s apiserver) with a bearer token and the run's CA. */
export function tokenKubeconfig(role: ClusterRole, token: string, server?: string): string {
  const cluster = kubeConfigFor(role).getCurrentCluster()!;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: role,
        cluster: { server: server ?? cluster.server, "certificate-authority-data": cluster.caData },
      },
    ],
    users: [{ name: "token", user: { token } }],
    contexts: [{ name: role, context: { cluster: role, user: "token" } }],
    "current-context": role,
  });
}

export function kubeConfigOf(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
