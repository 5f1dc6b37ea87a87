/**
 * Lint of Helm values against the chart's values.schema.json, for charts given by
 * a literal local path: unknown keys (when the chart forbids them) and type
 * mismatches of literals, interpolations and mapped values whose type the
 * api/config schemas tell.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { CompiledDescriptor, CompiledUnit } from "./compiled.js";
import { issue, type Issue, type IssuePath } from "./issues.js";
import { checkPath, rootSchemas, type JsonSchema } from "./schema-paths.js";
import { closest } from "./suggest.js";
import type { TemplateNode } from "./template.js";

export type ReadText = (path: string) => string;

interface Walk {
  roots: Record<string, JsonSchema>;
  chart: JsonSchema;
  out: Issue[];
}

function deref(s: JsonSchema, chart: JsonSchema): JsonSchema {
  if (typeof s.$ref !== "string" || !s.$ref.startsWith("#/")) return s;
  let cur: unknown = chart;
  for (const seg of s.$ref.slice(2).split("/")) cur = (cur as Record<string, unknown> | undefined)?.[seg];
  return typeof cur === "object" && cur !== null ? (cur as JsonSchema) : {};
}

function typesOf(s: JsonSchema): string[] | undefined {
  if (typeof s.type === "string") return [s.type];
  return Array.isArray(s.type) ? (s.type as string[]) : undefined;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function accepts(allowed: string[], actual: string): boolean {
  return allowed.includes(actual) || (actual === "integer" && allowed.includes("number"));
}

function typeIssue(schema: JsonSchema, actual: string | undefined, path: IssuePath, w: Walk): void {
  const allowed = typesOf(schema);
  if (allowed === undefined || actual === undefined || accepts(allowed, actual)) return;
  w.out.push(
    issue(
      "chart-values",
      path,
      `the chart expects ${allowed.join(" or ")} here, the descriptor gives ${actual}`,
    ),
  );
}

function childSchema(schema: JsonSchema, key: string, path: IssuePath, w: Walk): JsonSchema | undefined {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const prop = props[key];
  if (prop !== undefined) return deref(prop, w.chart);
  const extra = schema.additionalProperties;
  if (typeof extra === "object" && extra !== null) return deref(extra as JsonSchema, w.chart);
  if (extra === false) {
    const hint = closest(key, Object.keys(props));
    w.out.push(
      issue(
        "chart-values",
        path,
        `the chart's values schema has no "${key}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
      ),
    );
  }
  return undefined;
}

function walkLiteral(value: unknown, schema: JsonSchema, path: IssuePath, w: Walk): void {
  typeIssue(schema, jsonType(value), path, w);
  if (jsonType(value) !== "object") return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const child = childSchema(schema, k, [...path, k], w);
    if (child !== undefined) walkLiteral(v, child, [...path, k], w);
  }
}

function exprType(node: Extract<TemplateNode, { t: "expr" }>, w: Walk): string | undefined {
  if (node.expr.kind !== "path" || node.expr.root === "each") return undefined;
  const schema = checkPath(node.expr, w.roots[node.expr.root]).schema;
  const t = schema === undefined ? undefined : typesOf(schema);
  return t?.length === 1 ? t[0] : undefined;
}

function walkNode(node: TemplateNode, schema: JsonSchema, path: IssuePath, w: Walk): void {
  switch (node.t) {
    case "lit": {
      walkLiteral(node.v, schema, path, w);
      return;
    }
    case "str": {
      typeIssue(schema, "string", path, w);
      return;
    }
    case "expr": {
      typeIssue(schema, exprType(node, w), path, w);
      return;
    }
    case "arr": {
      typeIssue(schema, "array", path, w);
      return;
    }
    case "obj":
      typeIssue(schema, "object", path, w);
      for (const [k, child] of node.entries) {
        const sub = childSchema(schema, k, [...path, k], w);
        if (sub !== undefined) walkNode(child, sub, [...path, k], w);
      }
  }
}

function chartSchema(c: CompiledDescriptor, unit: CompiledUnit, read: ReadText): JsonSchema | undefined {
  const chart = unit.helm?.chart.node;
  const dir = c.descriptor.source.dir;
  if (chart?.t !== "lit" || dir === undefined) return undefined;
  const path = (chart.v as { path?: unknown }).path;
  if (typeof path !== "string") return undefined;
  try {
    return JSON.parse(read(join(resolve(dir, path), "values.schema.json"))) as JsonSchema;
  } catch {
    return undefined; // no values schema shipped: nothing to check against
  }
}

/** `chart-values` findings for every helm unit with a local chart that ships values.schema.json. */
export function checkChartValues(
  c: CompiledDescriptor,
  read: ReadText = (p) => readFileSync(p, "utf8"),
): Issue[] {
  const out: Issue[] = [];
  const roots: Record<string, JsonSchema> = rootSchemas(c);
  for (const unit of c.units) {
    const chart = chartSchema(c, unit, read);
    if (chart === undefined || unit.helm === undefined) continue;
    walkNode(unit.helm.values.node, chart, ["spec", "deploy", unit.index, "helm", "values"], {
      roots,
      chart,
      out,
    });
  }
  return out;
}
