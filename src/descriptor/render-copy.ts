/**
 * Rendering a copy unit: which Secrets or ConfigMaps of the platform cluster go where on the
 * target. A source outside the namespaces the descriptor allows is refused here, before any
 * plugin reads it, so no API object or config can name another namespace's Secret.
 */
import type { CompiledUnit } from "./compiled.js";
import type { Scope } from "./evaluate.js";
import { RenderError, issue, type IssuePath } from "./issues.js";
import type { CopyItem, CopyUnitPlan, NamespacedName } from "./plan.js";
import { checkNamespace } from "./render-manifests.js";
import { forEachItems, planBase, unitNamespaces } from "./render-parts.js";
import { renderNode } from "./template.js";

type CompiledCopy = NonNullable<CompiledUnit["copy"]>;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Keys of Secret and ConfigMap data (IsConfigMapKey). */
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

export function bad(code: string, path: IssuePath, message: string): never {
  throw new RenderError("invalid-input", [issue(code, path, message)]);
}

export function text(value: unknown, path: IssuePath, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  const got = value === undefined ? "nothing" : JSON.stringify(value);
  return bad("not-a-string", path, `${what} must be a string, got ${got}`);
}

export function objectName(value: unknown, path: IssuePath, what: string): string {
  const name = text(value, path, what);
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name))
    bad("invalid-name", path, `${what} ${JSON.stringify(name)} is not a valid object name`);
  return name;
}

function dataKey(value: unknown, path: IssuePath): string {
  const key = text(value, path, "a key");
  if (key.length > 253 || !DATA_KEY.test(key) || key.startsWith(".."))
    bad("invalid-key", path, `key ${JSON.stringify(key)} is not a valid Secret or ConfigMap key`);
  return key;
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function source(copy: CompiledCopy, scope: Scope, path: IssuePath): NamespacedName {
  const from = record(renderNode(copy.from.node, scope));
  const name = objectName(from.name, [...path, "from", "name"], `${copy.kind} name`);
  const at = [...path, "from", "namespace"];
  const namespace =
    from.namespace === undefined ? (copy.sourceNamespaces[0] ?? "") : checkNamespace(from.namespace, at);
  if (!copy.sourceNamespaces.includes(namespace))
    bad(
      "source-namespace",
      at,
      `${copy.kind} ${namespace}/${name}: source namespace ${JSON.stringify(namespace)} is not allowed by the descriptor (allowed: ${copy.sourceNamespaces.join(", ")})`,
    );
  return { namespace, name };
}

interface Where {
  path: IssuePath;
  ns: { own?: string; allowed: Set<string> };
}

function target(copy: CompiledCopy, scope: Scope, { path, ns }: Where, from: NamespacedName): NamespacedName {
  const to = record(renderNode(copy.to.node, scope));
  const name =
    to.name === undefined ? from.name : objectName(to.name, [...path, "to", "name"], `${copy.kind} name`);
  const at = [...path, "to", "namespace"];
  const namespace = to.namespace === undefined ? (ns.own ?? "") : checkNamespace(to.namespace, at);
  if (!ns.allowed.has(namespace))
    bad(
      "namespace-not-allowed",
      at,
      `${copy.kind} ${name}: namespace ${JSON.stringify(namespace)} is not allowed by the descriptor (allowed: ${[...ns.allowed].join(", ") || "none"})`,
    );
  return { namespace, name };
}

function keys(copy: CompiledCopy, scope: Scope, path: IssuePath): CopyItem["keys"] {
  if (copy.keys === undefined) return undefined;
  const list = renderNode(copy.keys.node, scope);
  const seen = new Set<string>();
  return (Array.isArray(list) ? list : []).map((entry, i) => {
    const k = record(entry);
    const from = dataKey(k.from, [...path, "keys", i, "from"]);
    const to = k.to === undefined ? from : dataKey(k.to, [...path, "keys", i, "to"]);
    if (seen.has(to)) bad("duplicate-key", [...path, "keys", i], `key ${JSON.stringify(to)} is copied twice`);
    seen.add(to);
    return { from, to };
  });
}

function checkTargets(items: readonly CopyItem[], kind: string, path: IssuePath): void {
  const seen = new Set<string>();
  for (const { to } of items) {
    const key = `${to.namespace}/${to.name}`;
    if (seen.has(key)) bad("duplicate-object", path, `${kind} ${key} is rendered twice`);
    seen.add(key);
  }
}

export function renderCopy(unit: CompiledUnit, copy: CompiledCopy, scope: Scope): CopyUnitPlan {
  const path = ["spec", "deploy", unit.index, "copy"];
  const ns = unitNamespaces(unit, scope);
  if (ns.own === undefined)
    throw new RenderError("expression", [issue("missing-namespace", path, "copy unit has no namespace")]);
  const items: CopyItem[] = forEachItems(unit, scope).map((each) => {
    const itemScope: Scope = unit.forEach === undefined ? scope : { ...scope, each };
    const from = source(copy, itemScope, path);
    const item: CopyItem = { from, to: target(copy, itemScope, { path, ns }, from) };
    const renamed = keys(copy, itemScope, path);
    if (renamed !== undefined) item.keys = renamed;
    return item;
  });
  checkTargets(items, copy.kind, path);
  return {
    ...planBase(unit),
    type: "copy",
    copy: { kind: copy.kind, sourceNamespaces: [...copy.sourceNamespaces], items },
  };
}
