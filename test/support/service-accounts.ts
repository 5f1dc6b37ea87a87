/**
 * Identities other than the admin certificate on any test cluster: a ServiceAccount with a
 * bound token (TokenRequest), which dies with its ServiceAccount, and kubeconfig text that
 * uses it, as a target kubeconfig Secret or an AccessRequest's grant does. The e2e tests reach
 * them through test/e2e/support/tokens.ts (the shared environment); benches pass their own
 * cluster.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";

export interface Grant {
  clusterRole: string;
  /** Bound in the ServiceAccount's own namespace only (a RoleBinding), not cluster-wide. */
  namespaceOnly?: boolean;
}

/** A test environment's CA and the apiservers' serving certificate (SAN 127.0.0.1), for a fault proxy. */
export async function runCertificates(runDir: string): Promise<{ cert: string; key: string; ca: string }> {
  const [cert, key, ca] = await Promise.all(
    ["serving.crt", "serving.key", "ca.crt"].map((f) => readFile(join(runDir, f), "utf8")),
  );
  return { cert: cert!, key: key!, ca: ca! };
}

/** ServiceAccount `namespace/name` on the cluster of `kc`, bound to `grant`, and a fresh one-hour token for it. */
export async function grantToken(
  kc: KubeConfig,
  namespace: string,
  name: string,
  grant: Grant = { clusterRole: "cluster-admin" },
): Promise<string> {
  const cluster = !grant.namespaceOnly;
  const client = KubeClient.for(kc);
  const manager = { manager: "e2e", force: true };
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, manager);
  await client.apply({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } }, manager);
  await client.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: cluster ? "ClusterRoleBinding" : "RoleBinding",
      metadata: cluster ? { name: `${namespace}-${name}` } : { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: grant.clusterRole },
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

/** Kubeconfig text for the cluster of `kc` (or `server`, e.g. a proxy) with a bearer token and the cluster's CA. */
export function tokenKubeconfigOf(kc: KubeConfig, token: string, server?: string): string {
  const cluster = kc.getCurrentCluster()!;
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: cluster.name,
        cluster: { server: server ?? cluster.server, "certificate-authority-data": cluster.caData },
      },
    ],
    users: [{ name: "token", user: { token } }],
    contexts: [{ name: cluster.name, context: { cluster: cluster.name, user: "token" } }],
    "current-context": cluster.name,
  });
}
