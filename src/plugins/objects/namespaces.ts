/** Namespaces that must exist before namespaced objects can be applied into them. */
import type { KubeObject } from "../../descriptor/plan.js";
import type { TargetCache } from "../types.js";
import { KubeClient } from "../../kube/client.js";

/**
 * Creates each missing namespace: with the plan's own Namespace object when it has one,
 * else a bare one labelled as made by spe. Existing namespaces are left untouched.
 */
export async function ensureNamespaces(
  client: KubeClient,
  namespaces: Iterable<string>,
  planned: KubeObject[] = [],
  cache?: TargetCache,
): Promise<void> {
  for (const name of new Set(namespaces)) {
    const ref = { apiVersion: "v1", kind: "Namespace", name };
    // A namespace the watch sees is there; one it does not see is looked up (it may just be new).
    if (cache?.object(ref) || (await client.get(ref))) continue;
    const own = planned.find(
      (o) => o.kind === "Namespace" && o.apiVersion === "v1" && o.metadata.name === name,
    );
    const ns: KubeObject = own ?? {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { "app.kubernetes.io/managed-by": "spe" } },
    };
    await client.apply(ns, { manager: "spe", force: true });
  }
}
