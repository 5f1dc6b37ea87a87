/**
 * Run time: the pure render of a compiled descriptor for one API object and
 * config. No I/O; deterministic; throws typed RenderErrors (see issues.ts).
 */
import type { CompiledDescriptor, CompiledUnit } from "./compiled.js";
import type { RenderContext, Scope } from "./evaluate.js";
import { RenderError, isDataPending, issue, type IssuePath } from "./issues.js";
import type { ChartRef, HelmUnitPlan, JsonObject, KubeObject, ManifestsUnitPlan, UnitPlan } from "./plan.js";
import { chartRepoIssue } from "./chart-source.js";
import { caBundleRef, credentialsRef } from "./chart-refs.js";
import { checkDuplicates, toKubeObject } from "./render-manifests.js";
import { forEachItems, planBase as base, unitNamespaces } from "./render-parts.js";
import { renderCopy } from "./render-copy.js";
import { renderToken } from "./render-token.js";
import { renderNode, type CompiledTemplate } from "./template.js";
import { blame } from "./functions.js";

function bug(code: string, path: IssuePath, message: string): never {
  throw new RenderError("expression", [issue(code, path, message)]);
}

function renderString(t: CompiledTemplate, scope: Scope, path: IssuePath): string {
  const v = renderNode(t.node, scope);
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") return bug("not-a-string", path, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function chartRef(value: unknown, path: IssuePath, sourceNamespaces: readonly string[]): ChartRef {
  const { secretRef, caBundleRef: bundle, ...source } = value as Record<string, unknown>;
  const chart: ChartRef = {};
  for (const [k, v] of Object.entries(source)) {
    // A version like 1.20 read from YAML may arrive as a number; a chart version is text.
    if (typeof v !== "string" && typeof v !== "number")
      bug("not-a-string", [...path, k], `chart.${k} must be a string`);
    (chart as Record<string, string>)[k] = String(v);
  }
  const repoIssue = chart.repo === undefined ? undefined : chartRepoIssue(chart.repo);
  if (repoIssue) throw new RenderError("invalid-input", [issue("chart-repo", [...path, "repo"], repoIssue)]);
  const credentials =
    secretRef === undefined ? undefined : credentialsRef(secretRef, [...path, "secretRef"], sourceNamespaces);
  if (credentials) chart.secretRef = credentials;
  const ca =
    bundle === undefined ? undefined : caBundleRef(bundle, [...path, "caBundleRef"], sourceNamespaces);
  if (ca) chart.caBundleRef = ca;
  return chart;
}

function renderHelm(unit: CompiledUnit, helm: NonNullable<CompiledUnit["helm"]>, scope: Scope): HelmUnitPlan {
  const path = ["spec", "deploy", unit.index, "helm"];
  const ns = unitNamespaces(unit, scope).own ?? bug("missing-namespace", path, "helm unit has no namespace");
  // The chart first: an unknown version is the most useful error to report.
  const chart = chartRef(renderNode(helm.chart.node, scope), [...path, "chart"], helm.sourceNamespaces);
  const values = renderNode(helm.values.node, scope);
  if (typeof values !== "object" || values === null || Array.isArray(values))
    bug("values-type", [...path, "values"], "values must render to an object");
  return {
    ...base(unit),
    type: "helm",
    helm: {
      releaseName: renderString(helm.releaseName, scope, [...path, "releaseName"]),
      namespace: ns,
      chart,
      values: values as JsonObject,
      createNamespace: helm.createNamespace,
      adopt: helm.adopt,
    },
  };
}

function renderManifests(
  unit: CompiledUnit,
  templates: readonly CompiledTemplate[],
  scope: Scope,
): ManifestsUnitPlan {
  const ns = unitNamespaces(unit, scope);
  const objects: KubeObject[] = [];
  const path = ["spec", "deploy", unit.index, "manifests"];
  for (const each of forEachItems(unit, scope)) {
    const itemScope: Scope = unit.forEach === undefined ? scope : { ...scope, each };
    templates.forEach((t, i) => {
      objects.push(toKubeObject(renderNode(t.node, itemScope), [...path, i], ns.own, ns.allowed));
    });
  }
  checkDuplicates(objects, path);
  return { ...base(unit), type: "manifests", manifests: objects };
}

function unitByName(compiled: CompiledDescriptor, name: string): CompiledUnit {
  const unit = compiled.units.find((u) => u.name === name);
  if (unit === undefined) throw new RangeError(`descriptor ${compiled.name} has no unit "${name}"`);
  return unit;
}

/**
 * Whether a unit is wanted now: its `when` yields true (or it has none). Throws RenderError:
 * pending (it reads deploy outputs not there yet), invalid-input (user data that is not a
 * boolean) or expression.
 */
export function unitEnabled(compiled: CompiledDescriptor, unitName: string, ctx: RenderContext): boolean {
  const unit = unitByName(compiled, unitName);
  if (unit.when === undefined) return true;
  const v = renderNode(unit.when.node, ctx);
  if (typeof v === "boolean") return v;
  const expr = unit.when.node.t === "expr" ? unit.when.node.expr : undefined;
  throw new RenderError(expr === undefined ? "expression" : blame(expr), [
    issue(
      "when-not-boolean",
      ["spec", "deploy", unit.index, "when"],
      `when yields ${JSON.stringify(v)}, not true or false`,
    ),
  ]);
}

/** Renders one unit. Throws RenderError: pending (deploy outputs missing), invalid-input or expression. */
export function renderUnit(compiled: CompiledDescriptor, unitName: string, ctx: RenderContext): UnitPlan {
  const unit = unitByName(compiled, unitName);
  // `${target…}` is the unit's own target.
  const scope: Scope = ctx.target ? { ...ctx, target: { ...ctx.target, cluster: unit.target } } : ctx;
  if (unit.helm !== undefined) return renderHelm(unit, unit.helm, scope);
  if (unit.copy !== undefined) return renderCopy(unit, unit.copy, scope);
  if (unit.token !== undefined) return renderToken(unit, unit.token, scope);
  return renderManifests(unit, unit.manifests ?? [], scope);
}

/** Renders every wanted unit in dependency order; throws the first RenderError. */
export function renderPlan(compiled: CompiledDescriptor, ctx: RenderContext): UnitPlan[] {
  return compiled.units
    .filter((u) => unitEnabled(compiled, u.name, ctx))
    .map((u) => renderUnit(compiled, u.name, ctx));
}

export interface PartialPlan {
  /** Units that rendered, in dependency order. */
  plans: UnitPlan[];
  /** Units waiting for outputs of units not deployed yet (directly or through a dependency). */
  pending: { unit: string; error: RenderError }[];
}

/** Renders what can be rendered now; pending units are listed, other errors are thrown. */
export function renderAvailable(compiled: CompiledDescriptor, ctx: RenderContext): PartialPlan {
  const out: PartialPlan = { plans: [], pending: [] };
  const waiting = new Set<string>();
  for (const unit of compiled.units) {
    const blocker = unit.dependsOn.find((d) => waiting.has(d));
    if (blocker !== undefined) {
      waiting.add(unit.name);
      out.pending.push({
        unit: unit.name,
        error: new RenderError("pending", [issue("dependency-pending", [], `waits for unit ${blocker}`)]),
      });
      continue;
    }
    try {
      if (unitEnabled(compiled, unit.name, ctx)) out.plans.push(renderUnit(compiled, unit.name, ctx));
    } catch (err) {
      if (!isDataPending(err)) throw err;
      waiting.add(unit.name);
      out.pending.push({ unit: unit.name, error: err });
    }
  }
  return out;
}

/**
 * The descriptor's status projection. Fields whose data is pending are left out;
 * other failures throw (they are descriptor or input errors worth a condition).
 */
export function projectStatus(compiled: CompiledDescriptor, ctx: RenderContext): Record<string, unknown> {
  const node = compiled.status.node;
  if (node.t === "lit") return renderNode(node, ctx) as Record<string, unknown>;
  if (node.t !== "obj") return {};
  const out: Record<string, unknown> = {};
  for (const [key, child] of node.entries) {
    try {
      out[key] = renderNode(child, ctx);
    } catch (err) {
      if (!isDataPending(err)) throw err;
    }
  }
  return out;
}
