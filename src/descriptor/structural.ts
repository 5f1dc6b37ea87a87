/**
 * Turns a user's JSON Schema into a structural OpenAPI v3 schema the apiserver
 * accepts in a CRD: a whitelist of keywords, local $refs inlined, 2020-12 forms
 * mapped to OpenAPI (const → enum, numeric exclusive bounds → boolean ones).
 * Combinators are dropped here (Ajv still enforces them in the engine).
 */
export type JsonSchema = Record<string, unknown>;

const KEEP = new Set([
  "type",
  "description",
  "title",
  "format",
  "default",
  "enum",
  "pattern",
  "nullable",
  "example",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "multipleOf",
  "required",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  let cur: unknown = root;
  for (const seg of ref.replace(/^#\//, "").split("/"))
    cur = (cur as Record<string, unknown> | undefined)?.[seg];
  return typeof cur === "object" && cur !== null ? (cur as JsonSchema) : {};
}

function exclusive(out: JsonSchema, key: "exclusiveMinimum" | "exclusiveMaximum", value: unknown): void {
  if (typeof value === "number") {
    out[key === "exclusiveMinimum" ? "minimum" : "maximum"] = value;
    out[key] = true;
  } else if (value === true) out[key] = true;
}

function scalarKeywords(s: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) if (KEEP.has(k) && v !== undefined) out[k] = v;
  if (s.const !== undefined) out.enum = [s.const];
  exclusive(out, "exclusiveMinimum", s.exclusiveMinimum);
  exclusive(out, "exclusiveMaximum", s.exclusiveMaximum);
  if (Array.isArray(s.type)) {
    // A nullable single type is the only union OpenAPI v3 structural schemas express.
    const types = (s.type as string[]).filter((t) => t !== "null");
    out.type = types[0];
    if (types.length !== s.type.length) out.nullable = true;
  }
  return out;
}

function isSchema(v: unknown): v is JsonSchema {
  return typeof v === "object" && v !== null;
}

function objectKeywords(s: JsonSchema, out: JsonSchema, root: JsonSchema, depth: number): void {
  const props = s.properties as Record<string, JsonSchema> | undefined;
  if (props !== undefined) {
    out.properties = Object.fromEntries(
      Object.entries(props).map(([k, v]) => [k, convert(v, root, depth + 1)]),
    );
    out.type ??= "object";
    return;
  }
  if (isSchema(s.additionalProperties))
    out.additionalProperties = convert(s.additionalProperties, root, depth + 1);
  // `type: object` with no properties means "anything" in JSON Schema; the apiserver would prune it all.
  else if (s.additionalProperties !== false && out.type === "object")
    out["x-kubernetes-preserve-unknown-fields"] = true;
}

function convert(schema: JsonSchema, root: JsonSchema, depth: number): JsonSchema {
  if (depth > 32) return { "x-kubernetes-preserve-unknown-fields": true };
  const s =
    typeof schema.$ref === "string"
      ? { ...resolveRef(schema.$ref, root), ...schema, $ref: undefined }
      : schema;
  const out = scalarKeywords(s);
  objectKeywords(s, out, root, depth);
  if (isSchema(s.items)) out.items = convert(s.items, root, depth + 1);
  if (out.type === "array" && out.items === undefined)
    out.items = { "x-kubernetes-preserve-unknown-fields": true };
  if (out.type === undefined && out["x-kubernetes-int-or-string"] !== true) {
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  return out;
}

/** The structural form of `schema` (its own `#/$defs` refs inlined). */
export function toStructural(schema: JsonSchema): JsonSchema {
  return convert(schema, schema, 0);
}
