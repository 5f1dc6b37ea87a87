/**
 * Value templates: descriptor values (helm values, manifests, status, names)
 * compiled once into a tree, then filled per render. Keys are always literal;
 * only string values may hold `${…}`. Values read from the context are copied in
 * as data: never re-parsed as YAML or as expressions.
 */
import { ExpressionSyntaxError, parseTemplateString, type Expression, type TemplatePart } from "./expr.js";
import { blame } from "./functions.js";
import { evaluate, type Scope } from "./evaluate.js";
import { RenderError, issue, type Issue, type IssuePath } from "./issues.js";
import { cloneJson, deepMerge, isRecord, setKey } from "./json.js";

export type TemplateNode =
  | { t: "lit"; v: unknown }
  | { t: "expr"; expr: Expression; path: IssuePath }
  | { t: "str"; parts: TemplatePart[]; path: IssuePath }
  | { t: "obj"; entries: [string, TemplateNode][] }
  | { t: "arr"; items: TemplateNode[] }
  /** `{$forEach: "${list}", $item: …}`: the item rendered once per list entry, with `each` bound to it. */
  | { t: "map"; over: Expression; item: TemplateNode; path: IssuePath }
  /** `{$merge: [a, b, …]}`: the rendered objects deep-merged, later ones win. */
  | { t: "merge"; items: TemplateNode[]; path: IssuePath };

/** An expression found in a template, where it is, and the list `each` iterates there (if any). */
export interface TemplateExpression {
  expr: Expression;
  path: IssuePath;
  /** The `$forEach` list of the innermost map this expression sits in. */
  each?: Expression;
}

export interface CompiledTemplate {
  node: TemplateNode;
  /** Every expression with the descriptor path of the string holding it (for lint). */
  expressions: TemplateExpression[];
}

export { cloneJson } from "./json.js";

interface CompileCtx {
  acc: TemplateExpression[];
  errors: Issue[];
  each?: Expression;
}

function compileString(text: string, path: IssuePath, ctx: CompileCtx): TemplateNode {
  const parts = parseTemplateString(text);
  if (parts === undefined) return { t: "lit", v: text };
  for (const p of parts)
    if (p.kind === "expr")
      ctx.acc.push(ctx.each === undefined ? { expr: p.expr, path } : { expr: p.expr, path, each: ctx.each });
  const [first] = parts;
  if (parts.length === 1 && first?.kind === "expr") return { t: "expr", expr: first.expr, path };
  if (parts.every((p) => p.kind === "text")) return { t: "lit", v: parts.map((p) => p.text).join("") };
  return { t: "str", parts, path };
}

function directiveError(path: IssuePath, message: string, ctx: CompileCtx): TemplateNode {
  ctx.errors.push(issue("template-directive", path, message));
  return { t: "lit", v: null };
}

/** `{$forEach, $item}`: exactly these two keys, $forEach one `${…}` yielding a list. */
function compileMap(value: Record<string, unknown>, path: IssuePath, ctx: CompileCtx): TemplateNode {
  const keys = Object.keys(value).sort();
  if (keys.join(",") !== "$forEach,$item")
    return directiveError(path, `a map has exactly the keys $forEach and $item; got ${keys.join(", ")}`, ctx);
  const over = compileNode(value.$forEach, [...path, "$forEach"], ctx);
  if (over.t !== "expr")
    return directiveError(
      [...path, "$forEach"],
      "$forEach must be exactly one ${…} expression yielding a list",
      ctx,
    );
  const item = compileNode(value.$item, [...path, "$item"], { ...ctx, each: over.expr });
  return { t: "map", over: over.expr, item, path };
}

/** `{$merge: [a, b, …]}`: exactly this key, a non-empty list. */
function compileMerge(value: Record<string, unknown>, path: IssuePath, ctx: CompileCtx): TemplateNode {
  const list = value.$merge;
  if (Object.keys(value).length !== 1 || !Array.isArray(list) || list.length === 0)
    return directiveError(path, "$merge must be the only key, holding a non-empty list of objects", ctx);
  return { t: "merge", items: list.map((v, i) => compileNode(v, [...path, "$merge", i], ctx)), path };
}

function compileObject(value: Record<string, unknown>, path: IssuePath, ctx: CompileCtx): TemplateNode {
  if (Object.hasOwn(value, "$merge")) return compileMerge(value, path, ctx);
  if (Object.hasOwn(value, "$forEach") || Object.hasOwn(value, "$item")) return compileMap(value, path, ctx);
  const entries = Object.entries(value).map(([k, v]): [string, TemplateNode] => [
    k,
    compileNode(v, [...path, k], ctx),
  ]);
  return entries.every(([, n]) => n.t === "lit") ? { t: "lit", v: value } : { t: "obj", entries };
}

function compileNode(value: unknown, path: IssuePath, ctx: CompileCtx): TemplateNode {
  if (typeof value === "string") {
    try {
      return compileString(value, path, ctx);
    } catch (err) {
      if (!(err instanceof ExpressionSyntaxError)) throw err;
      ctx.errors.push(issue("expression-syntax", path, `${err.message} in "${value}"`));
      return { t: "lit", v: value };
    }
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileNode(v, [...path, i], ctx));
    return items.every((n) => n.t === "lit") ? { t: "lit", v: value } : { t: "arr", items };
  }
  if (isRecord(value)) return compileObject(value, path, ctx);
  return { t: "lit", v: value };
}

/** Compiles a value; syntax errors are collected into `errors` with their descriptor path. */
export function compileTemplate(value: unknown, path: IssuePath, errors: Issue[]): CompiledTemplate {
  const expressions: TemplateExpression[] = [];
  const node = compileNode(value, path, { acc: expressions, errors });
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

function renderMap(node: Extract<TemplateNode, { t: "map" }>, scope: Scope): unknown[] {
  const list = evaluate(node.over, scope, [...node.path, "$forEach"]);
  if (!Array.isArray(list)) {
    throw new RenderError(blame(node.over), [
      issue("foreach-not-list", [...node.path, "$forEach"], `${node.over.source} is not a list`),
    ]);
  }
  return list.map((each) => renderNode(node.item, { ...scope, each }));
}

function renderMerge(node: Extract<TemplateNode, { t: "merge" }>, scope: Scope): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  node.items.forEach((item, i) => {
    const v = renderNode(item, scope);
    if (!isRecord(v)) {
      const failure = item.t === "expr" ? blame(item.expr) : "expression";
      throw new RenderError(failure, [
        issue("merge-not-object", [...node.path, "$merge", i], "every $merge item must render to an object"),
      ]);
    }
    out = deepMerge(out, v);
  });
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
    case "map":
      return renderMap(node, scope);
    case "merge":
      return renderMerge(node, scope);
  }
}
