/** What every kind of unit renders the same way: its namespaces and its forEach items. */
import type { CompiledUnit } from "./compiled.js";
import type { Scope } from "./evaluate.js";
import { RenderError, issue } from "./issues.js";
import { checkNamespace } from "./render-manifests.js";
import { renderNode } from "./template.js";
import type { UnitPlan } from "./plan.js";

/** The unit's own namespace and every namespace its objects may land in. */
export function unitNamespaces(unit: CompiledUnit, scope: Scope): { own?: string; allowed: Set<string> } {
  const base = ["spec", "deploy", unit.index];
  const own =
    unit.namespace && checkNamespace(renderNode(unit.namespace.node, scope), [...base, "namespace"]);
  const allowed = new Set(
    unit.namespaces.map((t, i) => checkNamespace(renderNode(t.node, scope), [...base, "namespaces", i])),
  );
  if (own !== undefined) allowed.add(own);
  return own === undefined ? { allowed } : { own, allowed };
}

/** The items a forEach unit renders for; `[undefined]` (one render, no `each`) without forEach. */
export function forEachItems(unit: CompiledUnit, scope: Scope): unknown[] {
  if (unit.forEach === undefined) return [undefined];
  const items = renderNode(unit.forEach.node, scope);
  if (!Array.isArray(items)) {
    throw new RenderError("invalid-input", [
      issue(
        "foreach-not-list",
        ["spec", "deploy", unit.index, "forEach"],
        `forEach yields ${typeof items}, not a list`,
      ),
    ]);
  }
  return items;
}

/** What every unit plan has, whatever its kind. */
export function planBase(
  unit: CompiledUnit,
): Pick<UnitPlan, "name" | "target" | "dependsOn" | "deletionPolicy" | "readiness"> {
  return {
    name: unit.name,
    target: unit.target,
    dependsOn: [...unit.dependsOn],
    deletionPolicy: unit.deletionPolicy,
    readiness: { ...unit.readiness },
  };
}
