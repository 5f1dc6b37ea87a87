/**
 * What the target watches keep of each object (an informer transform, pure): identity,
 * resourceVersion, the drift fingerprint and kstatus, computed once per event, instead of
 * whole objects, and of the objects of a watched set (a plugin's records) only name,
 * resourceVersion and labels.
 */
import type { KubernetesObject } from "../../kube/object.js";
import type { WatchedObject } from "../../plugins/types.js";
import { watchedOf } from "../../plugins/objects/written.js";

export interface ObjectSummary extends KubernetesObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  watched: WatchedObject;
}

export function summarizeObject(obj: KubernetesObject): ObjectSummary {
  return { metadata: pick(obj.metadata ?? {}), watched: watchedOf(obj) };
}

function pick(m: NonNullable<KubernetesObject["metadata"]>): ObjectSummary["metadata"] {
  const out: ObjectSummary["metadata"] = {};
  if (m.name !== undefined) out.name = m.name;
  if (m.namespace !== undefined) out.namespace = m.namespace;
  if (m.resourceVersion !== undefined) out.resourceVersion = m.resourceVersion;
  return out;
}

/** Whether a change of the watched object can matter to its owner: drift or readiness moved. */
export function mattersToOwner(before: WatchedObject | undefined, after: WatchedObject): boolean {
  return (
    before?.fingerprint !== after.fingerprint ||
    before.phase !== after.phase ||
    before.message !== after.message ||
    before.uid !== after.uid
  );
}

export interface MetadataSummary extends KubernetesObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

/** An object of a watched set (listed metadata-only): name, resourceVersion and labels. */
export function summarizeMetadata(obj: KubernetesObject): MetadataSummary {
  const m = obj.metadata ?? {};
  return { metadata: { ...pick(m), labels: { ...(m.labels ?? {}) } } };
}
