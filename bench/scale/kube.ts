/** Kubernetes helpers of the benchmark: apply, deployment availability. */
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { NS } from "./types.js";

export async function apply(
  kc: KubeConfig,
  obj: Record<string, unknown>,
  manager = "spe-bench",
): Promise<void> {
  await KubeClient.for(kc).apply(obj as KubeObject, { manager, force: true });
}

type Deployment = { status?: { conditions?: { type: string; status: string }[] } };

/** Deployments in the bench namespace whose Available condition is True. */
export async function availableDeployments(kc: KubeConfig): Promise<number> {
  const items = (await KubeClient.for(kc).list("apps/v1", "Deployment", { namespace: NS })) as Deployment[];
  return items.filter((d) => d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True"))
    .length;
}
