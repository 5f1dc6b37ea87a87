/**
 * What to do when server-side apply itself is rejected, read from the apiserver's answer.
 * Pure.
 *
 * A list-map is merged entry by entry, by its keys (a Service's ports by port and protocol, a
 * pod's containers by name). When someone changes a key out of band (port 80 becomes 81),
 * an apply of ours keeps their entry and adds ours back beside it: two ports named `http`,
 * and the apiserver refuses the result (Invalid, naming `spec.ports[1].name`). No apply
 * converges, forced or not. Replacing the whole list at the field the server names, by a
 * JSON merge patch, does; after it the apply goes through again.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import type { KubeApiError, StatusCause } from "../../kube/client.js";

const SEGMENT = /^[A-Za-z_$][\w$-]*$/;

function valueAt(obj: unknown, path: readonly string[]): unknown {
  let node: unknown = obj;
  for (const key of path) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** `spec.ports[1].name` → `["spec", "ports"]`: the path down to the first list, maps only. */
function listPathOf(field: string): string[] | undefined {
  const bracket = field.indexOf("[");
  if (bracket <= 0) return undefined;
  const path = field.slice(0, bracket).split(".");
  return path.every((p) => SEGMENT.test(p)) ? path : undefined;
}

/**
 * The lists of `desired` that the rejection names (through its causes' fields), as paths
 * from the object's root. Only lists: they are what a merge keeps foreign entries in; a
 * scalar or map field the server refuses is not something a different write would fix.
 */
export function listFieldsToReplace(causes: readonly StatusCause[], desired: KubeObject): string[][] {
  const out = new Map<string, string[]>();
  for (const cause of causes) {
    const path = cause.field === undefined ? undefined : listPathOf(cause.field);
    if (path && Array.isArray(valueAt(desired, path))) out.set(path.join("."), path);
  }
  return [...out.values()];
}

/** A merge patch that sets each path to its value in `desired` (lists replaced whole). */
export function replacementPatch(desired: KubeObject, paths: readonly string[][]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const path of paths) {
    let node = patch;
    for (const key of path.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    const last = path[path.length - 1];
    if (last !== undefined) node[last] = structuredClone(valueAt(desired, path));
  }
  return patch;
}

/**
 * The apiserver refused because a field may not change once set (a Service's clusterIP, a
 * Deployment's selector, the data of an immutable ConfigMap). Only re-creating the object
 * changes it. Field validation says so in a cause's message only (apimachinery's
 * FieldImmutableErrorMsg; no cause reason is reserved for it), and names the field. An
 * admission policy's denial names none, so its wording cannot pass for this.
 */
export function isImmutableRejection(err: KubeApiError): boolean {
  return (
    err.status === 422 &&
    err.causes.some((c) => c.field !== undefined && c.message?.includes("field is immutable") === true)
  );
}
