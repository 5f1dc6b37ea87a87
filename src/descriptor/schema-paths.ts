/**
 * Checks expression paths against the api/config schemas (lint) and infers the
 * schema of what an expression yields (CRD status fields). Unknown territory
 * (preserve-unknown-fields, oneOf, jsonpath wildcards) is accepted, not guessed.
 */
import type { CompiledDescriptor } from "./compiled.js";
import type { PathExpr } from "./expr.js";
import { closest } from "./suggest.js";

export type JsonSchema = Record<string, unknown>;

const STR = { type: "string" };
const STRING_MAP = { type: "object", additionalProperties: STR };
const METADATA: JsonSchema = {
  type: "object",
  required: ["name"],
  properties: {
    name: STR,
    namespace: STR,
    uid: STR,
    generation: { type: "integer" },
    resourceVersion: STR,
    creationTimestamp: STR,
    labels: STRING_MAP,
    annotations: STRING_MAP,
  },
};
const UNIT_OUTPUTS: JsonSchema = {
  type: "object",
  required: ["objects", "ready"],
  properties: {
    release: {
      type: "object",
      properties: {
        name: STR,
        namespace: STR,
        chartName: STR,
        chartVersion: STR,
        revision: { type: "integer" },
      },
      required: ["name", "namespace", "chartName", "chartVersion", "revision"],
    },
    objects: {
      type: "array",
      items: { type: "object", properties: { apiVersion: STR, kind: STR, name: STR, namespace: STR } },
    },
    ready: { type: "boolean" },
  },
};

const HELM_OUTPUTS: JsonSchema = { ...UNIT_OUTPUTS, required: ["release", "objects", "ready"] };
const { release: _release, ...manifestOutputProps } = UNIT_OUTPUTS.properties as Record<string, JsonSchema>;
const MANIFESTS_OUTPUTS: JsonSchema = { ...UNIT_OUTPUTS, properties: manifestOutputProps };

function objectSchema(spec: JsonSchema, namespaced: boolean): JsonSchema {
  const metadata = namespaced ? { ...METADATA, required: ["name", "namespace"] } : METADATA;
  return {
    type: "object",
    required: ["apiVersion", "kind", "metadata", "spec"],
    properties: { apiVersion: STR, kind: STR, metadata, spec: { ...spec, $root: spec } },
  };
}

/** `live.<unit>.<key>`: an existence is a boolean; a field's type is not known. */
function liveSchema(compiled: CompiledDescriptor): JsonSchema {
  const units = compiled.units
    .filter((u) => u.live.length > 0)
    .map((u): [string, JsonSchema] => [
      u.name,
      {
        type: "object",
        additionalProperties: false,
        required: u.live.map((v) => v.key),
        properties: Object.fromEntries(
          u.live.map((v) => [
            v.key,
            v.path === undefined ? { type: "boolean" } : { "x-kubernetes-preserve-unknown-fields": true },
          ]),
        ),
      },
    ]);
  return { type: "object", additionalProperties: false, properties: Object.fromEntries(units) };
}

/** The schema of each context root, as far as the descriptor knows it. */
export function rootSchemas(
  compiled: CompiledDescriptor,
): Record<"api" | "config" | "target" | "deploy" | "live", JsonSchema> {
  const storage = compiled.api.versions.find((v) => v.storage)?.schema ?? {};
  const units = Object.fromEntries(
    compiled.units.map((u) => [u.name, u.type === "helm" ? HELM_OUTPUTS : MANIFESTS_OUTPUTS]),
  );
  return {
    api: objectSchema(storage, compiled.api.scope === "Namespaced"),
    config: objectSchema(compiled.config.schema, compiled.config.scope === "Namespaced"),
    target: {
      type: "object",
      required: ["cluster", "name"],
      properties: { cluster: STR, name: STR, namespace: STR },
    },
    deploy: { type: "object", required: compiled.units.map((u) => u.name), properties: units },
    live: liveSchema(compiled),
  };
}

export interface PathCheck {
  /** Schema of the value, undefined when unknown. */
  schema?: JsonSchema;
  /** What is wrong with the path, if anything. */
  error?: string;
  /** The first property on the path that may be absent (no `required`, no `default`). */
  optional?: string;
  /** Every property on the path that may be absent, outermost first. */
  optionals?: string[];
}

function deref(schema: JsonSchema, root: JsonSchema | undefined): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#/") || root === undefined) return schema;
  let cur: unknown = root;
  for (const seg of ref.slice(2).split("/")) cur = (cur as Record<string, unknown> | undefined)?.[seg];
  return typeof cur === "object" && cur !== null ? { ...(cur as JsonSchema), $root: root } : {};
}

function isOpen(s: JsonSchema): boolean {
  return (
    s["x-kubernetes-preserve-unknown-fields"] === true ||
    (s.properties === undefined && s.items === undefined && s.additionalProperties === undefined)
  );
}

type Step = PathExpr["steps"][number];

type Child = PathCheck & { required?: boolean };

function listChild(s: JsonSchema, name: string, walked: string): Child {
  if (/^\d+$/.test(name)) return { schema: (s.items as JsonSchema | undefined) ?? {}, required: false };
  return { error: `${walked} is a list; use [index] or [key=value]` };
}

function childSchema(s: JsonSchema, name: string, walked: string): Child {
  if (s.type === "array" || s.items !== undefined) return listChild(s, name, walked);
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const prop = props[name];
  if (prop !== undefined) {
    const required = ((s.required ?? []) as string[]).includes(name) || prop.default !== undefined;
    return { schema: prop, required };
  }
  const extra = s.additionalProperties;
  if (extra === true) return { schema: {}, required: false };
  if (typeof extra === "object" && extra !== null) return { schema: extra as JsonSchema, required: false };
  const hint = closest(name, Object.keys(props));
  return {
    error: `${walked} has no field "${name}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
  };
}

function selectStep(s: JsonSchema, step: Extract<Step, { kind: "select" }>, walked: string): PathCheck {
  const items = s.items as JsonSchema | undefined;
  if (items === undefined && s.type !== "array")
    return { error: `${walked} is not a list; [${step.key}=…] needs one` };
  const props = (items?.properties ?? undefined) as Record<string, unknown> | undefined;
  if (props !== undefined && !(step.key in props)) {
    const hint = closest(step.key, Object.keys(props));
    return {
      error: `items of ${walked} have no field "${step.key}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
    };
  }
  return { schema: items ?? {} };
}

function stepInto(s: JsonSchema, step: Step, walked: string): Child {
  return step.kind === "prop"
    ? childSchema(s, step.name, walked)
    : selectStep(s, step as Extract<Step, { kind: "select" }>, walked);
}

function finish(s: JsonSchema | undefined, optionals: string[]): PathCheck {
  const [optional] = optionals;
  const out: PathCheck = {};
  if (s !== undefined) out.schema = deref(s, s.$root as JsonSchema | undefined);
  if (optional !== undefined) {
    out.optional = optional;
    out.optionals = optionals;
  }
  return out;
}

/** Follows `expr` through `schema` (the schema of its root value). */
export function checkPath(expr: PathExpr, rootSchema: JsonSchema | undefined): PathCheck {
  let s: JsonSchema | undefined = rootSchema;
  let walked: string = expr.root;
  const optionals: string[] = [];
  for (const step of expr.steps) {
    if (s === undefined) return {};
    const root = s.$root as JsonSchema | undefined;
    s = deref(s, root);
    if (isOpen(s) || step.kind === "query") return finish(undefined, optionals);
    const next = stepInto(s, step, walked);
    if (next.error !== undefined) return { error: next.error };
    walked += step.kind === "prop" ? `.${step.name}` : `[${step.key}=…]`;
    if (next.required === false) optionals.push(walked);
    s = next.schema === undefined ? undefined : { ...next.schema, $root: next.schema.$root ?? root };
  }
  return finish(s, optionals);
}
