/**
 * The Secret a token unit writes on its target: the token, the ServiceAccount's namespace, the
 * CA of the cluster the token is for and, if asked, a kubeconfig for it. Annotations say which
 * account it is for and when it expires and is renewed, so a restarted spe takes the token
 * over instead of asking for another.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { KubeObject, TokenPlan } from "../../descriptor/plan.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";

export const TOKEN_FOR_ANNOTATION = "spe.dev/token-for";
export const TOKEN_REQUEST_ANNOTATION = "spe.dev/token-request";
export const TOKEN_EXPIRES_ANNOTATION = "spe.dev/token-expires-at";
export const TOKEN_RENEW_ANNOTATION = "spe.dev/token-renew-at";

/** How the `from` cluster is reached from the unit's target. */
export interface SourceCluster {
  server: string;
  /** Base64 PEM, as in a kubeconfig. */
  caData?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
}

/** A token as held for a unit: the Secret's data and its times. */
export interface Held {
  /** What the token was asked for (requestId); another request needs another token. */
  request: string;
  data: Record<string, string>;
  expiresAt: number;
  renewAt: number;
}

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

function caDataOf(cluster: NonNullable<ReturnType<KubeConfig["getCurrentCluster"]>>): string | undefined {
  if (cluster.caData !== undefined) return cluster.caData;
  // spe's own in-cluster access (the platform target) names its CA by file.
  return cluster.caFile === undefined ? undefined : readFileSync(cluster.caFile).toString("base64");
}

/** The `from` cluster as spe reaches it, with the descriptor's server URL if it gives one. */
export function sourceCluster(kubeconfig: KubeConfig, plan: TokenPlan): SourceCluster {
  const cluster = kubeconfig.getCurrentCluster();
  if (cluster === undefined) return { server: plan.kubeconfig?.server ?? "", skipTLSVerify: false };
  const out: SourceCluster = {
    server: plan.kubeconfig?.server ?? cluster.server,
    skipTLSVerify: cluster.skipTLSVerify,
  };
  const ca = caDataOf(cluster);
  if (ca !== undefined) out.caData = ca;
  if (cluster.tlsServerName !== undefined) out.tlsServerName = cluster.tlsServerName;
  return out;
}

/**
 * What identifies a token request: the account, on which server, for which audiences and
 * lifetime, and the shape of the Secret's data. When it changes, a new token is minted.
 */
export function requestId(plan: TokenPlan, source: SourceCluster): string {
  const { from, serviceAccount, audiences, expirationSeconds, kubeconfig } = plan;
  const what = [from, serviceAccount, audiences, expirationSeconds, kubeconfig !== undefined, source];
  return createHash("sha256").update(JSON.stringify(what)).digest("hex").slice(0, 20);
}

function kubeconfigOf(plan: TokenPlan, source: SourceCluster, token: string): string {
  const cluster: Record<string, unknown> = { server: source.server };
  if (source.caData !== undefined) cluster["certificate-authority-data"] = source.caData;
  if (source.skipTLSVerify) cluster["insecure-skip-tls-verify"] = true;
  if (source.tlsServerName !== undefined) cluster["tls-server-name"] = source.tlsServerName;
  const user = `${plan.serviceAccount.namespace}:${plan.serviceAccount.name}`;
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: plan.from, cluster }],
    users: [{ name: user, user: { token } }],
    contexts: [
      { name: plan.from, context: { cluster: plan.from, user, namespace: plan.serviceAccount.namespace } },
    ],
    "current-context": plan.from,
  };
  return JSON.stringify(doc, null, 2);
}

/** The Secret's data for a fresh token (base64, as a Secret holds it). */
export function secretData(plan: TokenPlan, source: SourceCluster, token: string): Record<string, string> {
  const data: Record<string, string> = { token: b64(token), namespace: b64(plan.serviceAccount.namespace) };
  if (source.caData !== undefined) data["ca.crt"] = source.caData;
  if (plan.kubeconfig !== undefined) data.kubeconfig = b64(kubeconfigOf(plan, source, token));
  return data;
}

/** The Secret as spe applies it. */
export function tokenSecret(plan: TokenPlan, held: Held): KubeObject {
  const sa = plan.serviceAccount;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: plan.secret.name,
      namespace: plan.secret.namespace,
      annotations: {
        [TOKEN_FOR_ANNOTATION]: `${plan.from}: ServiceAccount ${sa.namespace}/${sa.name}`,
        [TOKEN_REQUEST_ANNOTATION]: held.request,
        [TOKEN_EXPIRES_ANNOTATION]: new Date(held.expiresAt).toISOString(),
        [TOKEN_RENEW_ANNOTATION]: new Date(held.renewAt).toISOString(),
      },
    },
    type: "Opaque",
    data: held.data,
  };
}

/** The token a live Secret holds, if spe wrote it for this request; else undefined. */
export function heldIn(live: KubeObject | undefined, request: string): Held | undefined {
  const annotations = live?.metadata.annotations ?? {};
  if (annotations[TOKEN_REQUEST_ANNOTATION] !== request) return undefined;
  const expiresAt = Date.parse(annotations[TOKEN_EXPIRES_ANNOTATION] ?? "");
  const renewAt = Date.parse(annotations[TOKEN_RENEW_ANNOTATION] ?? "");
  const data = live?.data;
  if (Number.isNaN(expiresAt) || Number.isNaN(renewAt) || typeof data !== "object" || data === null)
    return undefined;
  const strings = Object.entries(data).filter((e): e is [string, string] => typeof e[1] === "string");
  if (!strings.some(([k]) => k === "token")) return undefined;
  return { request, data: Object.fromEntries(strings), expiresAt, renewAt };
}
