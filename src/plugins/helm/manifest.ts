/** Helm's rendered manifest (multi-document YAML) as Kubernetes objects. */
import { parseAllDocuments, type DocumentOptions, type SchemaOptions, type Tags } from "yaml";
import type { KubeObject } from "../../descriptor/plan.js";
import type { KubeClient } from "../../kube/client.js";
import { KubeApiError } from "../../kube/client.js";

function isObject(doc: unknown): doc is KubeObject {
  const o = doc as Partial<KubeObject> | null;
  return (
    typeof o?.apiVersion === "string" && typeof o.kind === "string" && typeof o.metadata?.name === "string"
  );
}

/**
 * Reads scalars as helm's kube client does (sigs.k8s.io/yaml, YAML 1.1): `0644` is 420 and
 * `yes` is true, as helm applied them; read as YAML 1.2 they would be 644 and "yes", and a
 * release read back from storage would differ from its live objects for ever. Go's reader
 * knows neither sexagesimal numbers nor timestamps: those stay strings.
 */
const HELM_YAML: DocumentOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags: Tags): Tags =>
    tags.filter(
      (t) => typeof t === "string" || (t.format !== "TIME" && t.tag !== "tag:yaml.org,2002:timestamp"),
    ),
};

/** A release's manifest as stored by helm; the worker's answers come parsed (kubeObjects). */
export function parseManifest(manifest: string): KubeObject[] {
  const docs: unknown[] = parseAllDocuments(manifest, HELM_YAML).map(
    (doc): unknown => doc.toJSON() as unknown,
  );
  return kubeObjects(docs);
}

/** The documents that are Kubernetes objects (empty and comment-only documents are not). */
export function kubeObjects(docs: readonly unknown[]): KubeObject[] {
  return docs.filter(isObject);
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

/** The live object carries this release's ownership metadata (helm installed it for the release). */
export function ownedByRelease(live: KubeObject, release: { name: string; namespace: string }): boolean {
  return annotatedWithRelease(live.metadata.annotations, release);
}

/** Annotations that name this release as the object's owner, as helm writes them. */
export function annotatedWithRelease(
  annotations: Record<string, string> | undefined,
  release: { name: string; namespace: string },
): boolean {
  return (
    annotations?.["meta.helm.sh/release-name"] === release.name &&
    annotations["meta.helm.sh/release-namespace"] === release.namespace
  );
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
