/** Turning a unit's planned manifests into the exact objects spe applies. */
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeApiError, type KubeClient } from "../../kube/client.js";
import { OWNER_ANNOTATION, ownerLabels, ownerRef } from "../objects/owner.js";
import type { UnitScope } from "../types.js";

/**
 * Adds the owner labels (so the engine can watch what spe deployed), puts namespaced objects
 * without a namespace into `defaultNamespace` and strips the namespace of cluster-scoped ones.
 */
export async function prepareObjects(
  client: KubeClient,
  manifests: KubeObject[],
  ctx: { scope: UnitScope; unit: string; defaultNamespace: string },
): Promise<KubeObject[]> {
  const labels = ownerLabels(ctx.scope.owner, ctx.unit);
  const out: KubeObject[] = [];
  for (const manifest of manifests) {
    const obj = structuredClone(manifest);
    obj.metadata.labels = { ...obj.metadata.labels, ...labels };
    obj.metadata.annotations = { ...obj.metadata.annotations, [OWNER_ANNOTATION]: ownerRef(ctx.scope.owner) };
    if (await namespaced(client, obj)) obj.metadata.namespace ??= ctx.defaultNamespace;
    else delete obj.metadata.namespace;
    out.push(obj);
  }
  return out;
}

/** Whether the kind is namespaced; a kind the cluster does not know yet (CRD in the same plan) counts as namespaced if the manifest says so. */
async function namespaced(client: KubeClient, obj: KubeObject): Promise<boolean> {
  try {
    return await client.isNamespaced(obj.apiVersion, obj.kind);
  } catch (err) {
    if (err instanceof KubeApiError && err.reason === "NoKindMatch")
      return obj.metadata.namespace !== undefined;
    throw err;
  }
}
