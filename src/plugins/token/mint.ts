/**
 * Asking a cluster for a ServiceAccount's token (TokenRequest, authentication.k8s.io/v1). The
 * token is returned to the caller only: errors name the account and the apiserver's reason,
 * never anything of the answer.
 */
import type { TokenPlan } from "../../descriptor/plan.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { PluginError } from "../errors.js";

export interface Minted {
  /** The token itself; only ever written into the Secret. */
  token: string;
  /** When the apiserver says it expires (ms since the epoch). */
  expiresAt: number;
  /** The lifetime granted (the apiserver may cap what was asked for). */
  lifetimeMs: number;
}

interface TokenRequestAnswer {
  spec?: { expirationSeconds?: unknown };
  status?: { token?: unknown; expirationTimestamp?: unknown };
}

function failure(err: unknown, plan: TokenPlan): PluginError {
  const sa = `ServiceAccount ${plan.serviceAccount.namespace}/${plan.serviceAccount.name} on target ${plan.from}`;
  if (err instanceof KubeApiError && err.status === 404)
    return new PluginError("ServiceAccountNotFound", `${sa} not found`);
  if (err instanceof KubeApiError && err.status === 403)
    return new PluginError(
      "TokenRequestForbidden",
      `spe may not create serviceaccounts/token for ${sa}: ${err.message}`,
    );
  const why = err instanceof Error ? err.message : String(err);
  return new PluginError("TokenRequestFailed", `token for ${sa}: ${why}`);
}

/** A new token for the plan's ServiceAccount on `cluster` (the plan's `from` target). */
export async function mintToken(cluster: KubeConfig, plan: TokenPlan, signal?: AbortSignal): Promise<Minted> {
  const { namespace, name } = plan.serviceAccount;
  const spec: Record<string, unknown> = { expirationSeconds: plan.expirationSeconds };
  if (plan.audiences.length > 0) spec.audiences = plan.audiences;
  let answer: TokenRequestAnswer;
  try {
    answer = (await KubeClient.for(cluster).send({
      method: "POST",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(name)}/token`,
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec },
      ...(signal ? { signal } : {}),
    })) as TokenRequestAnswer;
  } catch (err) {
    throw failure(err, plan);
  }
  const token = answer.status?.token;
  const expires = Date.parse(String(answer.status?.expirationTimestamp));
  if (typeof token !== "string" || token === "" || Number.isNaN(expires))
    throw failure(new Error("the apiserver's answer holds no token or expiry"), plan);
  const granted = answer.spec?.expirationSeconds;
  const seconds = typeof granted === "number" && granted > 0 ? granted : plan.expirationSeconds;
  return { token, expiresAt: expires, lifetimeMs: seconds * 1000 };
}
