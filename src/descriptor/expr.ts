/**
 * The mapping language's parser. `${…}` holds a path into the read-only context
 * {api, config, target, each, deploy}: a JSONPath (jsonpath-plus syntax, root
 * name instead of `$`), optional `[key=operand]` selects and an optional
 * `?? <JSON literal>` default. Parsed once at compile time; never evaluated as code.
 */
import { JSONPath } from "jsonpath-plus";

export const ROOTS = ["api", "config", "target", "each", "deploy"] as const;
export type Root = (typeof ROOTS)[number];

/** One step of a path. `query` steps are evaluated by jsonpath-plus (wildcards, slices, recursion). */
export type Step =
  | { kind: "prop"; name: string }
  | { kind: "query"; segments: string[] }
  | { kind: "select"; key: string; operand: Operand };

export type Operand =
  { kind: "path"; expr: Expression } | { kind: "literal"; value: string | number | boolean };

export interface Expression {
  /** The text between `${` and `}`. */
  source: string;
  root: Root;
  steps: Step[];
  /** Present when the expression has `?? <default>`. */
  fallback?: { value: unknown };
}

export type TemplatePart =
  { kind: "text"; text: string } | { kind: "expr"; expr: Expression; offset: number };

export class ExpressionSyntaxError extends Error {
  override readonly name = "ExpressionSyntaxError";
  constructor(
    message: string,
    readonly offset = 0,
  ) {
    super(message);
  }
}

const SELECT = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.+?)\s*$/;
const INDEFINITE = /^(\*|\.\.|\^|~)$|[:,]|^[@`]/;

/** Index of the top-level occurrence of `token`, ignoring brackets and quotes. */
function topLevelIndex(text: string, token: string): number {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote !== "") {
      if (c === quote) quote = "";
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (depth === 0 && text.startsWith(token, i)) return i;
  }
  return -1;
}

function parseLiteral(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ExpressionSyntaxError(
      `default must be a JSON literal (e.g. "text", 1, true, null, [], {}), got ${text}`,
    );
  }
}

function parseOperand(text: string): Operand {
  const trimmed = text.trim();
  if (/^[A-Za-z_]/.test(trimmed) && !/^(true|false|null)$/.test(trimmed)) {
    return { kind: "path", expr: parseExpression(trimmed) };
  }
  const value = parseLiteral(trimmed);
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return { kind: "literal", value };
  }
  throw new ExpressionSyntaxError(`select operand must be a path or a string, number or boolean: ${trimmed}`);
}

function pathSteps(chunk: string): Step[] {
  if (chunk.trim() === "") return [];
  const segments = JSONPath.toPathArray(`$${chunk}`).slice(1);
  for (const seg of segments) {
    if (seg.startsWith("?") || seg.startsWith("(")) {
      throw new ExpressionSyntaxError(
        `script filters and expressions are not allowed (${seg}); select list items with [key=value]`,
      );
    }
  }
  if (segments.some((s) => INDEFINITE.test(s))) return [{ kind: "query", segments }];
  return segments.map((name) => ({ kind: "prop", name }));
}

/** Splits `a.b[key=x].c` into path chunks and select steps. */
function parseRest(rest: string): Step[] {
  const steps: Step[] = [];
  let chunk = "";
  let i = 0;
  while (i < rest.length) {
    const c = rest.charAt(i);
    if (c !== "[") {
      chunk += c;
      i++;
      continue;
    }
    const end = closingBracket(rest, i);
    const inner = rest.slice(i + 1, end);
    const select = /^\s*['"?(]/.test(inner) ? null : SELECT.exec(inner);
    if (select?.[1] !== undefined && select[2] !== undefined) {
      steps.push(...pathSteps(chunk), { kind: "select", key: select[1], operand: parseOperand(select[2]) });
      chunk = "";
    } else {
      chunk += rest.slice(i, end + 1);
    }
    i = end + 1;
  }
  return [...steps, ...pathSteps(chunk)];
}

function closingBracket(text: string, open: number): number {
  let depth = 0;
  let quote = "";
  for (let i = open; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote !== "") {
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  throw new ExpressionSyntaxError(`unclosed [ in ${text}`, open);
}

/** Parses the body of one `${…}`. */
export function parseExpression(source: string): Expression {
  const body = source.trim();
  const q = topLevelIndex(body, "??");
  const pathText = (q >= 0 ? body.slice(0, q) : body).trim();
  const root = /^[A-Za-z_]\w*/.exec(pathText)?.[0] ?? "";
  if (!(ROOTS as readonly string[]).includes(root)) {
    throw new ExpressionSyntaxError(
      `expression must start with one of ${ROOTS.join(", ")}; got "${pathText}"`,
    );
  }
  const rest = pathText.slice(root.length);
  if (rest !== "" && !rest.startsWith(".") && !rest.startsWith("[")) {
    throw new ExpressionSyntaxError(`unexpected "${rest}" after ${root}`);
  }
  let steps: Step[];
  try {
    steps = parseRest(rest);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) throw err;
    throw new ExpressionSyntaxError(`invalid path ${pathText}: ${(err as Error).message}`);
  }
  const expr: Expression = { source: body, root: root as Root, steps };
  if (q >= 0) expr.fallback = { value: parseLiteral(body.slice(q + 2).trim()) };
  return expr;
}

/** End of the `${…}` starting at `start` (index of `$`), honouring quotes and nested braces. */
function exprEnd(text: string, start: number): number {
  let depth = 0;
  let quote = "";
  for (let i = start + 2; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote !== "") {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && depth-- === 0) return i;
  }
  throw new ExpressionSyntaxError("unclosed ${", start);
}

/** Splits a string into text and expressions; returns undefined when it has none. */
export function parseTemplateString(text: string): TemplatePart[] | undefined {
  if (!text.includes("${")) return undefined;
  const parts: TemplatePart[] = [];
  let buf = "";
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      buf += "${";
      i += 3;
    } else if (text.startsWith("${", i)) {
      const end = exprEnd(text, i);
      if (buf !== "") parts.push({ kind: "text", text: buf });
      buf = "";
      parts.push({
        kind: "expr",
        expr: wrapOffset(() => parseExpression(text.slice(i + 2, end)), i),
        offset: i,
      });
      i = end + 1;
    } else {
      buf += text.charAt(i++);
    }
  }
  if (buf !== "") parts.push({ kind: "text", text: buf });
  return parts;
}

function wrapOffset(fn: () => Expression, offset: number): Expression {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) throw new ExpressionSyntaxError(err.message, offset);
    throw err;
  }
}

/** All expressions inside an expression (the expression itself and select operands). */
export function nestedExpressions(expr: Expression): Expression[] {
  const out = [expr];
  for (const step of expr.steps) {
    if (step.kind === "select" && step.operand.kind === "path")
      out.push(...nestedExpressions(step.operand.expr));
  }
  return out;
}
