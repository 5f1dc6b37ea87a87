/**
 * Value templates: descriptor values (helm values, manifests, status, names)
 * compiled once into a tree, then filled per render. Keys are always literal;
 * only string values may hold `${…}`. Values read from the context are copied in
 * as data: never re-parsed as YAML or as expressions.
 */
import { ExpressionSyntaxError, parseTemplateString, type Expression, type TemplatePart } from "./expr.js";
import { evaluate, type Scope } from "./evaluate.js";
import { RenderError, issue, type Issue, type IssuePath } from "./issues.js";

export type TemplateNode =
  | { t: "lit"; v: unknown }
  | { t: "expr"; expr: Expression; path: IssuePath }
  | { t: "str"; parts: TemplatePart[]; path: IssuePath }
  | { t: "obj"; entries: [string, TemplateNode][] }
  | { t: "arr"; items: TemplateNode[] };

export interface CompiledTemplate {
  node: TemplateNode;
  /** Every expression with the descriptor path of the string holding it (for lint). */
  expressions: { expr: Expression; path: IssuePath }[];
}

/** Assigns without ever touching the prototype, even for a key named "__proto__". */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Deep copy of plain JSON data; drops undefined, so no "undefined" ever reaches output. */
export function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) setKey(out, k, cloneJson(x));
    return out;
  }
  return v;
}

function compileString(text: string, path: IssuePath, acc: CompiledTemplate["expressions"]): TemplateNode {
  const parts = parseTemplateString(text);
  if (parts === undefined) return { t: "lit", v: text };
  for (const p of parts) if (p.kind === "expr") acc.push({ expr: p.expr, path });
  const [first] = parts;
  if (parts.length === 1 && first?.kind === "expr") return { t: "expr", expr: first.expr, path };
  if (parts.every((p) => p.kind === "text")) return { t: "lit", v: parts.map((p) => p.text).join("") };
  return { t: "str", parts, path };
}

function compileNode(
  value: unknown,
  path: IssuePath,
  acc: CompiledTemplate["expressions"],
  errors: Issue[],
): TemplateNode {
  if (typeof value === "string") {
    try {
      return compileString(value, path, acc);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      errors.push(issue("expression-syntax", path, `${err.message} in "${value}"`));
      return { t: "lit", v: value };
    }
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileNode(v, [...path, i], acc, errors));
    return items.every((n) => n.t === "lit") ? { t: "lit", v: value } : { t: "arr", items };
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([k, v]): [string, TemplateNode] => [
      k,
      compileNode(v, [...path, k], acc, errors),
    ]);
    return entries.every(([, n]) => n.t === "lit") ? { t: "lit", v: value } : { t: "obj", entries };
  }
  return { t: "lit", v: value };
}

/** Compiles a value; syntax errors are collected into `errors` with their descriptor path. */
export function compileTemplate(value: unknown, path: IssuePath, errors: Issue[]): CompiledTemplate {
  const expressions: CompiledTemplate["expressions"] = [];
  const node = compileNode(value, path, expressions, errors);
  return { node, expressions };
}

function interpolate(parts: TemplatePart[], scope: Scope, path: IssuePath): string {
  let out = "";
  for (const part of parts) {
    if (part.kind === "text") {
      out += part.text;
      continue;
    }
    const v = evaluate(part.expr, scope, path);
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") out += String(v);
    else {
      throw new RenderError("expression", [
        issue(
          "interpolate-non-scalar",
          path,
          `${part.expr.source} is ${Array.isArray(v) ? "a list" : "an object"}; only strings, numbers and booleans can be interpolated into text`,
        ),
      ]);
    }
  }
  return out;
}

/** Fills a compiled template. Throws RenderError (pending, invalid-input or expression). */
export function renderNode(node: TemplateNode, scope: Scope): unknown {
  switch (node.t) {
    case "lit":
      return cloneJson(node.v);
    case "expr":
      return cloneJson(evaluate(node.expr, scope, node.path));
    case "str":
      return interpolate(node.parts, scope, node.path);
    case "arr":
      return node.items.map((n) => renderNode(n, scope));
    case "obj": {
      const out: Record<string, unknown> = {};
      for (const [k, n] of node.entries) setKey(out, k, renderNode(n, scope));
      return out;
    }
  }
}
