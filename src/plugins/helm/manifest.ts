/** Helm's rendered manifest (multi-document YAML) as Kubernetes objects. */
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../descriptor/plan.js";
import type { KubeClient } from "../kube/client.js";
import { KubeApiError } from "../kube/client.js";

function isObject(doc: unknown): doc is KubeObject {
  const o = doc as Partial<KubeObject> | null;
  return (
    typeof o?.apiVersion === "string" && typeof o.kind === "string" && typeof o.metadata?.name === "string"
  );
}

export function parseManifest(manifest: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const value: unknown = doc.toJSON();
    if (isObject(value)) out.push(value);
  }
  return out;
}

/** What helm adds to every object it applies; part of the desired state for drift. */
export function helmOwnership(obj: KubeObject, release: { name: string; namespace: string }): KubeObject {
  const out = structuredClone(obj);
  out.metadata.labels = { ...out.metadata.labels, "app.kubernetes.io/managed-by": "Helm" };
  out.metadata.annotations = {
    ...out.metadata.annotations,
    "meta.helm.sh/release-name": release.name,
    "meta.helm.sh/release-namespace": release.namespace,
  };
  return out;
}

/** Puts namespaced objects without a namespace into the release namespace, as helm does. */
export async function settleNamespaces(
  client: KubeClient,
  objs: KubeObject[],
  namespace: string,
): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const obj of objs) {
    const copy = structuredClone(obj);
    let namespaced = true;
    try {
      namespaced = await client.isNamespaced(obj.apiVersion, obj.kind);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.reason === "NoKindMatch")) throw err;
    }
    if (namespaced) copy.metadata.namespace ??= namespace;
    else delete copy.metadata.namespace;
    out.push(copy);
  }
  return out;
}
