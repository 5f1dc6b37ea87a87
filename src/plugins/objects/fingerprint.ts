/**
 * What drift of a live object depends on, as one string. Pure.
 *
 * A status update changes an object's resourceVersion many times while it rolls out (every
 * ReplicaSet and pod change rewrites a Deployment's status), but it never changes the fields
 * spe or helm apply. Kinds with a status subresource bump metadata.generation on every change
 * outside status and metadata, so generation plus the labels and annotations (which do not
 * bump it) is what was verified; kinds without generation fall back to the resourceVersion.
 * The uid is part of it: an object deleted and created again is another object.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "../../descriptor/plan.js";

interface Meta {
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
}

/**
 * Annotations Kubernetes' own controllers write on objects spe deploys, never part of a plan:
 * the Deployment controller numbers each rollout on the Deployment right after it is
 * created, which would otherwise make every new Deployment look changed since it was applied.
 */
const CONTROLLER_ANNOTATIONS = new Set(["deployment.kubernetes.io/revision"]);

function sorted(record: Record<string, string> | undefined): [string, string][] {
  return Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function planAnnotations(annotations: Record<string, string> | undefined): [string, string][] {
  return sorted(annotations).filter(([k]) => !CONTROLLER_ANNOTATIONS.has(k));
}

export function fingerprintOf(obj: { metadata?: Meta }): string {
  const m = obj.metadata ?? {};
  if (typeof m.generation !== "number" || m.generation <= 0) return `rv:${m.resourceVersion ?? ""}`;
  const meta = JSON.stringify([
    sorted(m.labels),
    planAnnotations(m.annotations),
    m.deletionTimestamp ?? null,
  ]);
  return `g:${m.uid ?? ""}:${m.generation}:${createHash("sha1").update(meta).digest("base64url")}`;
}

/** A hash of the desired object as it is applied (key order included: it is rendered deterministically). */
export function desiredHashOf(desired: KubeObject): string {
  return createHash("sha1").update(JSON.stringify(desired)).digest("base64url");
}
