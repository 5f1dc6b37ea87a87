/**
 * `argument-type`: function arguments, `$forEach` lists and `$merge` items whose type the
 * api/config schemas tell, checked against what they must be. Unknown types pass.
 */
import type { CompiledDescriptor, ExpressionSite } from "./compiled.js";
import type { Expression } from "./expr.js";
import type { FunctionName } from "./functions.js";
import { issue, type Issue, type IssuePath } from "./issues.js";
import { checkPath, rootSchemas, type JsonSchema } from "./schema-paths.js";
import type { TemplateNode } from "./template.js";

type Kind = "object" | "array" | "scalar" | "boolean";

/** What each argument position of a function must be; the last entry repeats. */
const WANTS: Record<Exclude<FunctionName, "has" | "eq" | "union">, Kind[]> = {
  merge: ["object"],
  oneOf: ["scalar", "array"],
  contains: ["array", "scalar"],
  hash: ["scalar"],
  not: ["boolean"],
  and: ["boolean"],
  or: ["boolean"],
  splitImage: ["scalar"],
  concat: ["scalar"],
};

function schemaKinds(s: JsonSchema): string[] | undefined {
  if (typeof s.type === "string") return [s.type];
  return Array.isArray(s.type) ? (s.type as string[]) : undefined;
}

function fits(types: string[], want: Kind): boolean {
  const scalar = ["string", "integer", "number", "boolean"];
  if (want === "scalar") return types.some((t) => scalar.includes(t));
  return types.includes(want);
}

const WORDS: Record<Kind, string> = {
  object: "an object",
  array: "a list",
  scalar: "a string, number or boolean",
  boolean: "true or false",
};

function typeOf(arg: Expression, roots: Record<string, JsonSchema>): string[] | undefined {
  if (arg.kind === "literal") {
    const v = arg.value;
    return [Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "number" ? "number" : typeof v];
  }
  if (arg.kind !== "path" || arg.root === "each") return undefined;
  const schema = checkPath(arg, roots[arg.root]).schema;
  return schema === undefined ? undefined : schemaKinds(schema);
}

function check(arg: Expression, want: Kind, where: { what: string; at: IssuePath }, ctx: Ctx): void {
  const types = typeOf(arg, ctx.roots);
  if (types === undefined || fits(types, want)) return;
  const message = `${where.what}: ${arg.source} is ${types.join(" or ")}, not ${WORDS[want]}`;
  ctx.out.push(issue("argument-type", where.at, message));
}

interface Ctx {
  roots: Record<string, JsonSchema>;
  out: Issue[];
}

function walkExpr(expr: Expression, at: IssuePath, ctx: Ctx): void {
  if (expr.kind === "fallback") for (const o of expr.options) walkExpr(o, at, ctx);
  if (expr.kind !== "call") return;
  for (const a of expr.args) walkExpr(a, at, ctx);
  if (expr.fn === "has" || expr.fn === "eq" || expr.fn === "union") return;
  const wants = WANTS[expr.fn];
  expr.args.forEach((a, i) => {
    const want = wants[Math.min(i, wants.length - 1)];
    if (want !== undefined) check(a, want, { what: `\${${expr.source}}`, at }, ctx);
  });
}

function walkNode(node: TemplateNode, ctx: Ctx): void {
  switch (node.t) {
    case "map":
      check(node.over, "array", { what: "$forEach", at: [...node.path, "$forEach"] }, ctx);
      walkNode(node.item, ctx);
      return;
    case "merge":
      node.items.forEach((item, i) => {
        if (item.t === "expr")
          check(item.expr, "object", { what: "$merge", at: [...node.path, "$merge", i] }, ctx);
        walkNode(item, ctx);
      });
      return;
    case "obj":
      for (const [, child] of node.entries) walkNode(child, ctx);
      return;
    case "arr":
      for (const child of node.items) walkNode(child, ctx);
      return;
    default:
      return;
  }
}

/** Every template of the descriptor: units' parts, status. */
function templates(c: CompiledDescriptor): TemplateNode[] {
  const out: TemplateNode[] = [c.status.node];
  for (const u of c.units) {
    for (const m of u.manifests ?? []) out.push(m.node);
    if (u.helm !== undefined) out.push(u.helm.values.node);
  }
  return out;
}

/** `argument-type` findings. */
export function checkArgumentTypes(c: CompiledDescriptor): Issue[] {
  const ctx: Ctx = { roots: rootSchemas(c), out: [] };
  const seen = new Set<ExpressionSite["expr"]>();
  for (const site of c.expressions) {
    if (seen.has(site.expr)) continue;
    seen.add(site.expr);
    walkExpr(site.expr, site.path, ctx);
  }
  for (const node of templates(c)) walkNode(node, ctx);
  return ctx.out;
}
