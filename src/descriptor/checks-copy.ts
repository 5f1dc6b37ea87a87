/**
 * Checks of copy units: the platform namespaces a unit may copy from are literal names the
 * descriptor declares, and what is written literally fits them; a source an end user picks is
 * worth a warning (they may copy any object of those namespaces).
 */
import type { CompiledDescriptor } from "./compiled.js";
import { nestedExpressions, primaryPath } from "./expr.js";
import { issue, type Issue, type IssuePath } from "./issues.js";
import type { DeployUnit } from "./types.gen.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

const literal = (v: string | undefined): v is string => v !== undefined && !v.includes("${");

function sourceNamespaceIssues(copy: NonNullable<DeployUnit["copy"]>, path: IssuePath): Issue[] {
  const out: Issue[] = [];
  const seen = new Set<string>();
  copy.sourceNamespaces.forEach((ns, i) => {
    const at = [...path, "sourceNamespaces", i];
    if (!literal(ns))
      out.push(issue("source-namespace", at, "sourceNamespaces are literal namespace names, never mapped"));
    else if (!DNS_LABEL.test(ns))
      out.push(issue("source-namespace", at, `"${ns}" is not a valid namespace name`));
    else if (seen.has(ns)) out.push(issue("source-namespace", at, `"${ns}" is listed twice`));
    seen.add(ns);
  });
  const from = copy.from.namespace;
  if (literal(from) && !copy.sourceNamespaces.includes(from))
    out.push(
      issue(
        "source-namespace",
        [...path, "from", "namespace"],
        `source namespace "${from}" is not one of sourceNamespaces (${copy.sourceNamespaces.join(", ")})`,
      ),
    );
  return out;
}

function keyIssues(copy: NonNullable<DeployUnit["copy"]>, path: IssuePath): Issue[] {
  return (copy.keys ?? []).flatMap((k, i) =>
    (["from", "to"] as const).flatMap((side) => {
      const key = k[side];
      return literal(key) && (!DATA_KEY.test(key) || key.startsWith(".."))
        ? [issue("copy-key", [...path, "keys", i, side], `"${key}" is not a valid Secret or ConfigMap key`)]
        : [];
    }),
  );
}

/** Structural checks of a copy unit (compile refuses a descriptor with any of them). */
export function checkCopyUnit(u: DeployUnit, index: number): Issue[] {
  if (u.copy === undefined) return [];
  const path = ["spec", "deploy", index];
  const out = [...sourceNamespaceIssues(u.copy, [...path, "copy"]), ...keyIssues(u.copy, [...path, "copy"])];
  if (u.namespace === undefined)
    out.push(issue("missing-namespace", path, `copy unit "${u.name}" needs a namespace`));
  return out;
}

/** Whether a copy unit's source is chosen by the API object, directly or through its forEach. */
function readsApi(site: CompiledDescriptor["expressions"][number]): boolean {
  const roots = nestedExpressions(site.expr).map((e) => e.root);
  if (roots.includes("api")) return true;
  const over = site.forEach === undefined ? undefined : primaryPath(site.forEach);
  return roots.includes("each") && over?.root === "api";
}

/** Lint: a copy source the end user names can be any object of the allowed namespaces. */
export function checkCopySources(compiled: CompiledDescriptor): Issue[] {
  return compiled.expressions
    .filter((s) => s.path[0] === "spec" && s.path[1] === "deploy" && s.path[3] === "copy")
    .filter((s) => s.path[4] === "from" && readsApi(s))
    .map((s) =>
      issue(
        "copy-source-from-api",
        s.path,
        "the copy's source is chosen by the API object: any end user can copy any object of sourceNamespaces; map it from the config, or allow only namespaces whose every object tenants may have",
        "warning",
      ),
    );
}
