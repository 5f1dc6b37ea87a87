/** A cheap reachability probe of a target cluster. */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import { AccessError } from "./errors.js";

/** GET /version with a short timeout; any failure becomes AccessError Unreachable. */
export async function verifyAccess(kc: KubeConfig, timeoutMs = 10_000): Promise<{ gitVersion: string }> {
  const server = kc.getCurrentCluster()?.server ?? "?";
  try {
    const body = (await KubeClient.for(kc).send({ method: "GET", path: "/version", timeoutMs })) as {
      gitVersion?: string;
    };
    return { gitVersion: body.gitVersion ?? "unknown" };
  } catch (err) {
    const detail = err instanceof KubeApiError ? `${err.status} ${err.reason}` : (err as Error).message;
    throw new AccessError("Unreachable", `cluster ${server} is unreachable: ${detail}`, { cause: err });
  }
}
