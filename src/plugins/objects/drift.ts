/**
 * Drift detection, pure: which fields that spe sets differ between the desired object
 * (a server-side-apply dry-run, so API defaults are in) and the live object.
 * Only fields in the applier's field set are compared, so fields other controllers add
 * (status, defaults of fields spe never set, annotations of other tools) are never drift.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "../../descriptor/plan.js";
import { appliedFieldsOf, fieldSetOf, ownerOf, type FieldSet } from "./managed-fields.js";
import type { DriftEntry, ObjectRef } from "../types.js";

export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/** An object's identity as a string: group (not version), kind, namespace, name. */
export function refKey(ref: ObjectRef): string {
  const group = ref.apiVersion.includes("/") ? ref.apiVersion.slice(0, ref.apiVersion.indexOf("/")) : "";
  return `${group}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Turns one fieldsV1 key into a readable path segment: `.spec`, `["app.kubernetes.io/name"]`, `[name=server]`. */
export function segmentOf(key: string): string {
  const body = key.slice(2);
  if (key.startsWith("f:")) return IDENTIFIER.test(body) ? `.${body}` : `[${JSON.stringify(body)}]`;
  if (key.startsWith("k:")) {
    const fields = Object.entries(JSON.parse(body) as Record<string, unknown>);
    return `[${fields.map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(",")}]`;
  }
  if (key.startsWith("v:")) return `[=${body}]`;
  return `[${body}]`;
}

function matches(item: unknown, key: Record<string, unknown>): boolean {
  if (typeof item !== "object" || item === null) return false;
  const record = item as Record<string, unknown>;
  return Object.entries(key).every(([k, v]) => isDeepStrictEqual(record[k], v));
}

/** The value a fieldsV1 key selects inside `parent`, or undefined. */
export function select(parent: unknown, key: string): unknown {
  const body = key.slice(2);
  if (key.startsWith("f:")) {
    return typeof parent === "object" && parent !== null && !Array.isArray(parent)
      ? (parent as Record<string, unknown>)[body]
      : undefined;
  }
  if (!Array.isArray(parent)) return undefined;
  const items = parent as unknown[];
  if (key.startsWith("k:")) return items.find((i) => matches(i, JSON.parse(body) as Record<string, unknown>));
  if (key.startsWith("v:")) {
    const value: unknown = JSON.parse(body);
    return items.find((i) => isDeepStrictEqual(i, value));
  }
  return items[Number(body)];
}

function isLeaf(set: FieldSet): boolean {
  return Object.keys(set).every((k) => k === ".");
}

interface Walk {
  object: ObjectRef;
  live: KubeObject;
  manager: string;
  redact: boolean;
  out: DriftEntry[];
}

function report(w: Walk, keys: string[], desired: unknown, live: unknown): void {
  const entry: DriftEntry = { object: w.object, field: keys.map(segmentOf).join(""), reason: "changed" };
  const manager = ownerOf(w.live, keys, w.manager);
  if (manager) entry.manager = manager;
  if (!w.redact) Object.assign(entry, { desired, live });
  w.out.push(entry);
}

function walk(w: Walk, set: FieldSet, at: { keys: string[]; desired: unknown; live: unknown }): void {
  for (const [key, child] of Object.entries(set)) {
    if (key === ".") continue;
    const keys = [...at.keys, key];
    const desired = select(at.desired, key);
    const live = select(at.live, key);
    if (desired === undefined) continue;
    if (isLeaf(child) || live === undefined) {
      if (!isDeepStrictEqual(desired, live)) report(w, keys, desired, live);
      continue;
    }
    walk(w, child, { keys, desired, live });
  }
}

/** Fields that never count: identity and bookkeeping the server owns. */
function comparable(set: FieldSet): FieldSet {
  const { "f:status": _status, "f:metadata": metadata, ...rest } = set;
  if (!metadata) return rest;
  const { "f:labels": labels, "f:annotations": annotations } = metadata;
  const meta: FieldSet = {};
  if (labels) meta["f:labels"] = labels;
  if (annotations) meta["f:annotations"] = annotations;
  return { "f:metadata": meta, ...rest };
}

/**
 * Drift of one object. `desired` is the SSA dry-run result for the applier `manager`
 * (`spe`, or `helm` for releases); `live` the current object, undefined when it is gone.
 */
export function detectDrift(
  desired: KubeObject,
  live: KubeObject | undefined,
  manager: string,
): DriftEntry[] {
  const object = refOf(desired);
  if (!live) return [{ object, field: "", reason: "missing" }];
  const owned = appliedFieldsOf(desired, manager) ?? fieldSetOf(desired);
  const w: Walk = { object, live, manager, redact: desired.kind === "Secret", out: [] };
  walk(w, comparable(owned), { keys: [], desired, live });
  return w.out;
}

/**
 * True when `manager` owns the same fields live as it would after applying the plan.
 * False after a plan change that only removed a field: no value differs, yet the apply
 * would drop the field.
 */
export function ownershipMatches(
  desired: KubeObject,
  live: KubeObject | undefined,
  manager: string,
): boolean {
  if (!live) return false;
  return isDeepStrictEqual(appliedFieldsOf(desired, manager), appliedFieldsOf(live, manager));
}
