/**
 * A descriptor's `statusSchemaPatch`: a JSON merge patch (RFC 7386) over the status schema
 * spe generates, so that openMCP's status fields carry exactly upstream's attributes (a
 * plain conditions list instead of a map, observedGeneration not required, …). spe's own
 * status fields stay: the engine writes them, and a CRD without them would prune them.
 */
import { issue, type Issue, type IssuePath } from "./issues.js";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** RFC 7386: objects merge key by key, null removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const base: Json = isObject(target) ? target : {};
  const removed = new Set(Object.keys(patch).filter((k) => patch[k] === null));
  const out: Json = Object.fromEntries(Object.entries(base).filter(([k]) => !removed.has(k)));
  for (const [key, value] of Object.entries(patch))
    if (value !== null) out[key] = mergePatch(base[key], value);
  return out;
}

function typeOf(schema: unknown): unknown {
  return isObject(schema) ? schema.type : undefined;
}

function keptFields(generated: Json, after: Json, path: IssuePath): Issue[] {
  const before = isObject(generated.properties) ? generated.properties : {};
  return Object.entries(before)
    .filter(([key, schema]) => typeOf(after[key]) !== typeOf(schema))
    .map(([key, schema]) =>
      issue(
        "status-schema-patch",
        [...path, "properties", key],
        `status.${key} is written by spe and must stay ${String(typeOf(schema))}; the CRD would prune it`,
      ),
    );
}

function requiredFields(required: unknown, after: Json, path: IssuePath): Issue[] {
  if (required === undefined) return [];
  const at = [...path, "required"];
  if (!Array.isArray(required) || !required.every((r): r is string => typeof r === "string"))
    return [issue("status-schema-patch", at, "required must be a list of field names")];
  return required
    .filter((name) => !(name in after))
    .map((name) => issue("status-schema-patch", at, `required field "${name}" is not declared`));
}

/**
 * `status-schema-patch`: the patched status schema must still declare every field spe
 * writes, with its type, and may require only fields it declares.
 */
export function checkStatusPatch(generated: Json, patch: Json | undefined, path: IssuePath): Issue[] {
  if (patch === undefined) return [];
  const patched = mergePatch(generated, patch) as Json;
  const after = isObject(patched.properties) ? patched.properties : {};
  const out: Issue[] = [];
  if (patched.type !== "object")
    out.push(issue("status-schema-patch", [...path, "type"], "the status schema must stay type: object"));
  return [...out, ...keptFields(generated, after, path), ...requiredFields(patched.required, after, path)];
}
