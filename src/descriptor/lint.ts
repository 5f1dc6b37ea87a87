/**
 * `spe lint`: everything that can be checked offline. Compile errors, every
 * expression path against the api/config schemas, descriptions for kubectl
 * explain, and clashes between descriptors.
 */
import { buildDescriptor } from "./compile.js";
import { checkChartValues } from "./lint-chart.js";
import { checkChartDependencies } from "./lint-chart-deps.js";
import { checkArgumentTypes } from "./lint-types.js";
import { checkCopySources } from "./checks-copy.js";
import { checkTokenSources } from "./checks-token.js";
import type { CompiledDescriptor, ExpressionSite } from "./compiled.js";
import {
  nestedExpressions,
  parsePath,
  primaryPath,
  type Expression,
  type PathExpr,
  type PathRef,
} from "./expr.js";
import { RESERVED_STATUS_KEYS } from "./checks.js";
import { closest } from "./suggest.js";
import type { PrinterColumn } from "./types.gen.js";
import { issue, type Issue, type IssuePath } from "./issues.js";
import { loadDescriptors, type LoadResult, type ProviderDescriptor } from "./load.js";
import { checkPath, rootSchemas, type JsonSchema } from "./schema-paths.js";
import { compareStrings } from "./compare.js";

function eachSchema(site: ExpressionSite, roots: Record<string, JsonSchema>): JsonSchema | undefined {
  const over = site.forEach === undefined ? undefined : primaryPath(site.forEach);
  if (over === undefined || over.root === "each") return undefined;
  const list = checkPath(over, roots[over.root]).schema;
  const items = list?.items;
  return typeof items === "object" && items !== null
    ? { ...(items as JsonSchema), $root: list?.$root }
    : undefined;
}

/** A path as checkPath spells what it walked: `config.spec.versions[version=…].values`. */
function walkedText(p: PathExpr): string {
  return (
    p.root +
    p.steps
      .map((s) => (s.kind === "prop" ? `.${s.name}` : s.kind === "select" ? `[${s.key}=…]` : "[*]"))
      .join("")
  );
}

/** Paths a unit's `when` makes sure exist: has(…) on its own or inside and(…). */
function whenGuards(expr: Expression | undefined): string[] {
  if (expr?.kind !== "call") return [];
  if (expr.fn === "has") return expr.args.flatMap((a) => (a.kind === "path" ? [walkedText(a)] : []));
  return expr.fn === "and" ? expr.args.flatMap(whenGuards) : [];
}

function exprIssues(
  e: PathRef,
  site: ExpressionSite,
  schema: JsonSchema | undefined,
  guards: string[],
): Issue[] {
  const check = checkPath(e, schema);
  if (check.error !== undefined) return [issue("unknown-path", site.path, `\${${e.source}}: ${check.error}`)];
  if (e.guarded || e.root === "deploy" || e.root === "live") return [];
  const covered = (o: string): boolean =>
    guards.some((g) => o === g || o.startsWith(`${g}.`) || o.startsWith(`${g}[`));
  const optional = (check.optionals ?? []).find((o) => !covered(o));
  if (optional === undefined) return [];
  return [
    issue(
      "optional-without-default",
      site.path,
      `\${${e.source}}: ${optional} is optional; add a default (?? …), guard the unit with when: \${has(…)}, or make it required`,
      "warning",
    ),
  ];
}

/** `api.metadata.labels[k]` or `.annotations[k]` for a key spe writes back: always there. */
function writtenBack(compiled: CompiledDescriptor, e: PathRef): boolean {
  const [meta, kind, key] = e.steps;
  if (e.root !== "api" || meta?.kind !== "prop" || meta.name !== "metadata" || key?.kind !== "prop")
    return false;
  if (kind?.kind !== "prop" || (kind.name !== "labels" && kind.name !== "annotations")) return false;
  return Object.hasOwn(compiled.writeBack[kind.name], key.name);
}

function isResolveRef(path: IssuePath): boolean {
  return path.length === 4 && path[1] === "config" && path[2] === "resolve" && path[3] === "ref";
}

/** Every `${…}` path checked against the schemas of its root. */
export function checkExpressionPaths(compiled: CompiledDescriptor): Issue[] {
  const roots: Record<string, JsonSchema> = rootSchemas(compiled);
  const guards = new Map(
    compiled.units.map((u) => [u.name, whenGuards(u.when?.node.t === "expr" ? u.when.node.expr : undefined)]),
  );
  const out: Issue[] = [];
  for (const site of compiled.expressions) {
    const each = eachSchema(site, roots);
    const unitGuards = site.unit === undefined ? [] : (guards.get(site.unit) ?? []);
    // A reference field is optional by nature: when it is missing, the selector or name decides.
    const optional = isResolveRef(site.path);
    for (const e of nestedExpressions(site.expr)) {
      if (e.root === "each" && !site.inForEach) continue;
      const ref = optional || writtenBack(compiled, e) ? { ...e, guarded: true } : e;
      out.push(...exprIssues(ref, site, e.root === "each" ? each : roots[e.root], unitGuards));
    }
  }
  return out;
}

function undescribed(schema: unknown, path: IssuePath, out: Issue[]): void {
  if (typeof schema !== "object" || schema === null) return;
  const s = schema as JsonSchema;
  for (const [key, prop] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
    if (typeof prop.description !== "string" && typeof prop.$ref !== "string") {
      out.push(
        issue(
          "missing-description",
          [...path, "properties", key],
          `field "${key}" has no description; kubectl explain will show none`,
          "warning",
        ),
      );
    }
    undescribed(prop, [...path, "properties", key], out);
  }
  if (typeof s.items === "object") undescribed(s.items, [...path, "items"], out);
}

/** API and config fields should be explained to users. */
export function checkDescriptions(d: ProviderDescriptor): Issue[] {
  const out: Issue[] = [];
  d.spec.api.versions.forEach((v, i) => {
    undescribed(v.schema, ["spec", "api", "versions", i, "schema"], out);
  });
  undescribed(d.spec.config.schema, ["spec", "config", "schema"], out);
  return out;
}

const SIMPLE_PATH = /^(\.[A-Za-z_][\w-]*)+$/;

/** A column's `.spec…` path must exist in the spec schema; `.status.<field>` must be a status field. */
function columnPathIssues(
  columns: readonly PrinterColumn[] | undefined,
  root: JsonSchema,
  statusFields: readonly string[],
  path: IssuePath,
): Issue[] {
  const out: Issue[] = [];
  (columns ?? []).forEach((c, i) => {
    const at = [...path, i, "jsonPath"];
    const jsonPath = c.jsonPath ?? "";
    if (!SIMPLE_PATH.test(jsonPath)) return;
    const [, top, first] = jsonPath.split(".");
    if (top === "spec") {
      const check = checkPath(parsePath(`api${jsonPath}`), root);
      if (check.error !== undefined) out.push(issue("printer-column", at, `${jsonPath}: ${check.error}`));
    } else if (top === "status" && first !== undefined && !statusFields.includes(first)) {
      const hint = closest(first, statusFields);
      out.push(
        issue(
          "printer-column",
          at,
          `${jsonPath}: the status has no field "${first}"${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
        ),
      );
    }
  });
  return out;
}

/** Printer columns point at fields the object has. */
export function checkColumnPaths(compiled: CompiledDescriptor): Issue[] {
  const roots = rootSchemas(compiled);
  const { api, config } = compiled.descriptor.spec;
  const projected = Object.keys(compiled.descriptor.spec.status);
  return [
    ...columnPathIssues(
      api.printerColumns,
      roots.api,
      [...RESERVED_STATUS_KEYS, ...projected],
      ["spec", "api", "printerColumns"],
    ),
    ...columnPathIssues(
      config.printerColumns,
      roots.config,
      ["observedGeneration", "phase", "conditions"],
      ["spec", "config", "printerColumns"],
    ),
  ];
}

/** All findings for one loaded descriptor, located and sorted. */
export function lintDescriptor(d: ProviderDescriptor): Issue[] {
  const { compiled, issues } = buildDescriptor(d);
  const found = [
    ...issues,
    ...d.source.positions.locate([
      ...checkExpressionPaths(compiled),
      ...checkColumnPaths(compiled),
      ...checkArgumentTypes(compiled),
      ...checkCopySources(compiled),
      ...checkTokenSources(compiled),
      ...checkDescriptions(d),
      ...checkChartValues(compiled),
      ...checkChartDependencies(compiled),
    ]),
  ];
  return sortIssues(found);
}

function clashes(descriptors: readonly ProviderDescriptor[]): Issue[] {
  const out: Issue[] = [];
  const names = new Map<string, string>();
  const kinds = new Map<string, string>();
  for (const d of descriptors) {
    const kind = `${d.spec.api.kind}.${d.spec.api.group}`;
    const where = d.source.file;
    const dupName = names.get(d.metadata.name);
    const dupKind = kinds.get(kind);
    if (dupName !== undefined)
      out.push(
        issue(
          "duplicate-name",
          ["metadata", "name"],
          `descriptor name "${d.metadata.name}" is also used in ${dupName}`,
        ),
      );
    if (dupKind !== undefined)
      out.push(issue("duplicate-name", ["spec", "api", "kind"], `API ${kind} is also served by ${dupKind}`));
    names.set(d.metadata.name, where);
    kinds.set(kind, where);
    out.splice(0, out.length, ...d.source.positions.locate(out));
  }
  return out;
}

export function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort(
    (a, b) =>
      compareStrings(a.file ?? "", b.file ?? "") ||
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.col ?? 0) - (b.col ?? 0),
  );
}

/** Lints already loaded descriptors (load issues included). */
export function lintLoaded(loaded: LoadResult): Issue[] {
  const out = [...loaded.issues];
  for (const d of loaded.descriptors) out.push(...lintDescriptor(d));
  out.push(...clashes(loaded.descriptors));
  return sortIssues(out);
}

/** Loads and lints files and directories. */
export async function lintPaths(paths: readonly string[]): Promise<Issue[]> {
  return lintLoaded(await loadDescriptors(paths));
}
