/**
 * What the target watches keep of each object (an informer transform, pure): identity,
 * resourceVersion, the drift fingerprint and kstatus, computed once per event, instead of
 * whole objects. A watch of every Deployment, Service and ConfigMap of a cluster holds a few
 * hundred bytes per object this way.
 */
import type { KubernetesObject } from "../../kube/object.js";
import type { WatchedObject, WatchedRelease } from "../../plugins/types.js";
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

export interface ReleaseSecretSummary extends KubernetesObject {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
}

/** A helm release storage Secret as listed metadata-only: name, resourceVersion and labels. */
export function summarizeReleaseSecret(obj: KubernetesObject): ReleaseSecretSummary {
  const m = obj.metadata ?? {};
  return { metadata: { ...pick(m), labels: { ...(m.labels ?? {}) } } };
}

/** The latest revision among a release's storage Secrets (by their `version` label). */
export function latestOf(secrets: Iterable<ReleaseSecretSummary>): WatchedRelease | undefined {
  let best: ReleaseSecretSummary | undefined;
  let bestVersion = -1;
  for (const s of secrets) {
    const version = Number(s.metadata.labels?.version ?? -1);
    if (version > bestVersion) {
      best = s;
      bestVersion = version;
    }
  }
  if (!best) return undefined;
  return {
    secretName: best.metadata.name ?? "",
    resourceVersion: best.metadata.resourceVersion ?? "",
    labels: best.metadata.labels ?? {},
  };
}
