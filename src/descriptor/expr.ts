/**
 * The mapping language's parser. `${…}` holds an expression over the read-only context
 * {api, config, target, each, deploy, live}:
 *
 *   expression := term ("??" term)*          first term that is not missing
 *   term       := path | literal | call
 *   path       := root (JSONPath steps | [key=operand])*
 *   literal    := a JSON value: "text", 1, true, null, [..], {..}
 *   call       := function "(" expression ("," expression)* ")"   (functions.ts)
 *
 * Parsed once at compile time into data; never evaluated as code.
 */
import { JSONPath } from "jsonpath-plus";
import { FUNCTIONS, isFunctionName, type FunctionName } from "./functions.js";

export const ROOTS = ["api", "config", "target", "each", "deploy", "live"] as const;
export type Root = (typeof ROOTS)[number];

/** One step of a path. `query` steps are evaluated by jsonpath-plus (wildcards, slices, recursion). */
export type Step =
  | { kind: "prop"; name: string }
  | { kind: "query"; segments: string[] }
  | { kind: "select"; key: string; operand: Operand };

export type Operand =
  { kind: "path"; expr: PathExpr } | { kind: "literal"; value: string | number | boolean };

/** A path into the context. */
export interface PathExpr {
  kind: "path";
  /** The path's text. */
  source: string;
  root: Root;
  steps: Step[];
}

export interface LiteralExpr {
  kind: "literal";
  source: string;
  value: unknown;
}

export interface CallExpr {
  kind: "call";
  source: string;
  fn: FunctionName;
  args: Expression[];
}

/** `a ?? b ?? c`: the first option that is not missing (absent or null). */
export interface FallbackExpr {
  kind: "fallback";
  source: string;
  options: Expression[];
}

export type Expression = PathExpr | LiteralExpr | CallExpr | FallbackExpr;

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
const IDENT = /^[A-Za-z_]\w*/;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/;

function parseOperand(text: string): Operand {
  const trimmed = text.trim();
  if (/^[A-Za-z_]/.test(trimmed) && !/^(true|false|null)$/.test(trimmed)) {
    return { kind: "path", expr: parsePath(trimmed) };
  }
  let value: unknown;
  try {
    value = JSON.parse(trimmed) as unknown;
  } catch {
    throw new ExpressionSyntaxError(
      `select operand must be a path or a JSON string, number or boolean: ${trimmed}`,
    );
  }
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

/** Parses a path such as `config.spec.versions[version=api.spec.version].chartUrl`. */
export function parsePath(source: string): PathExpr {
  const text = source.trim();
  const root = IDENT.exec(text)?.[0] ?? "";
  if (!(ROOTS as readonly string[]).includes(root)) {
    throw new ExpressionSyntaxError(`a path must start with one of ${ROOTS.join(", ")}; got "${text}"`);
  }
  const rest = text.slice(root.length);
  if (rest !== "" && !rest.startsWith(".") && !rest.startsWith("[")) {
    throw new ExpressionSyntaxError(`unexpected "${rest}" after ${root}`);
  }
  let steps: Step[];
  try {
    steps = parseRest(rest);
  } catch (err) {
    if (err instanceof ExpressionSyntaxError) throw err;
    throw new ExpressionSyntaxError(`invalid path ${text}: ${(err as Error).message}`);
  }
  return { kind: "path", source: text, root: root as Root, steps };
}

/** A recursive-descent parser over the text of one `${…}`. */
class Parser {
  private i = 0;

  constructor(private readonly text: string) {}

  parse(): Expression {
    const expr = this.chain();
    this.space();
    if (this.i < this.text.length)
      throw new ExpressionSyntaxError(`unexpected "${this.text.slice(this.i)}" in "${this.text}"`);
    return expr;
  }

  private space(): void {
    while (/\s/.test(this.text.charAt(this.i))) this.i++;
  }

  private chain(): Expression {
    const start = this.i;
    const options = [this.term()];
    for (;;) {
      this.space();
      if (!this.text.startsWith("??", this.i)) break;
      this.i += 2;
      options.push(this.term());
    }
    const [first] = options;
    if (options.length === 1 && first !== undefined) return first;
    return { kind: "fallback", source: this.text.slice(start, this.i).trim(), options };
  }

  private term(): Expression {
    this.space();
    const c = this.text.charAt(this.i);
    if (/^["[{\d-]$/.test(c)) return this.literal();
    const ident = IDENT.exec(this.text.slice(this.i))?.[0];
    if (ident === undefined) {
      throw new ExpressionSyntaxError(
        c === "" ? `"${this.text}" ends where a value is expected` : `unexpected "${c}" in "${this.text}"`,
      );
    }
    if (ident === "true" || ident === "false" || ident === "null") return this.literal();
    const after = this.text.slice(this.i + ident.length).trimStart();
    if (after.startsWith("(")) return this.call(ident);
    if ((ROOTS as readonly string[]).includes(ident)) return this.path();
    throw new ExpressionSyntaxError(
      `"${ident}" is neither a path (${ROOTS.join(", ")}), a function (${Object.keys(FUNCTIONS).join(", ")}) nor a JSON literal`,
    );
  }

  /** The extent of a JSON literal, then JSON.parse. */
  private literal(): LiteralExpr {
    const start = this.i;
    const c = this.text.charAt(this.i);
    if (c === '"') this.i = this.stringEnd(this.i);
    else if (c === "[" || c === "{") this.i = this.balancedEnd(this.i);
    else {
      const m = NUMBER.exec(this.text.slice(this.i)) ?? /^(true|false|null)/.exec(this.text.slice(this.i));
      this.i += m?.[0].length ?? 1;
    }
    const source = this.text.slice(start, this.i);
    try {
      return { kind: "literal", source, value: JSON.parse(source) as unknown };
    } catch {
      throw new ExpressionSyntaxError(
        `a literal must be JSON (e.g. "text", 1, true, null, [], {}), got ${source}`,
      );
    }
  }

  private stringEnd(open: number): number {
    for (let i = open + 1; i < this.text.length; i++) {
      const c = this.text.charAt(i);
      if (c === "\\") i++;
      else if (c === '"') return i + 1;
    }
    throw new ExpressionSyntaxError(`unclosed string in "${this.text}"`);
  }

  private balancedEnd(open: number): number {
    let depth = 0;
    for (let i = open; i < this.text.length; i++) {
      const c = this.text.charAt(i);
      if (c === '"') i = this.stringEnd(i) - 1;
      else if (c === "[" || c === "{") depth++;
      else if ((c === "]" || c === "}") && --depth === 0) return i + 1;
    }
    throw new ExpressionSyntaxError(`unclosed ${this.text.charAt(open)} in "${this.text}"`);
  }

  /** A path ends at top-level whitespace, ",", ")" or "??". */
  private path(): PathExpr {
    const start = this.i;
    let depth = 0;
    let quote = "";
    for (; this.i < this.text.length; this.i++) {
      const c = this.text.charAt(this.i);
      if (quote !== "") {
        if (c === quote) quote = "";
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "[") depth++;
      else if (c === "]") depth--;
      else if (depth === 0 && (/[\s,)]/.test(c) || this.text.startsWith("??", this.i))) break;
    }
    return parsePath(this.text.slice(start, this.i));
  }

  private call(name: string): CallExpr {
    const start = this.i;
    if (!isFunctionName(name))
      throw new ExpressionSyntaxError(
        `unknown function ${name}; the functions are ${Object.keys(FUNCTIONS).join(", ")}`,
      );
    this.i = this.text.indexOf("(", this.i) + 1;
    const args: Expression[] = [];
    this.space();
    if (this.text.charAt(this.i) === ")") this.i++;
    else {
      for (;;) {
        args.push(this.chain());
        this.space();
        const c = this.text.charAt(this.i++);
        if (c === ")") break;
        if (c !== ",") throw new ExpressionSyntaxError(`${name}(…): expected "," or ")" in "${this.text}"`);
      }
    }
    const call: CallExpr = { kind: "call", source: this.text.slice(start, this.i), fn: name, args };
    checkCall(call);
    return call;
  }
}

function checkCall(call: CallExpr): void {
  const spec: { min: number; max: number; usage: string; pathOnly?: boolean } = FUNCTIONS[call.fn];
  const n = call.args.length;
  if (n < spec.min || n > spec.max) {
    const want =
      spec.min === spec.max
        ? `${spec.min}`
        : spec.max === Infinity
          ? `at least ${spec.min}`
          : `${spec.min} to ${spec.max}`;
    const plural = spec.min === 1 && (spec.max === 1 || spec.max === Infinity) ? "" : "s";
    throw new ExpressionSyntaxError(`${call.fn} takes ${want} argument${plural}: ${spec.usage}`);
  }
  if (spec.pathOnly === true && call.args.some((a) => a.kind !== "path"))
    throw new ExpressionSyntaxError(`${call.fn} takes a path: ${spec.usage}`);
}

/** Parses the body of one `${…}`. */
export function parseExpression(source: string): Expression {
  return new Parser(source).parse();
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

/** A path inside an expression; `guarded` when missing data there is taken care of (a `??` or has()). */
export type PathRef = PathExpr & { guarded: boolean };

function collect(expr: Expression, guarded: boolean, out: PathRef[]): void {
  switch (expr.kind) {
    case "path":
      out.push({ ...expr, guarded });
      for (const step of expr.steps)
        if (step.kind === "select" && step.operand.kind === "path") collect(step.operand.expr, guarded, out);
      return;
    case "fallback":
      expr.options.forEach((o, i) => {
        collect(o, guarded || i < expr.options.length - 1, out);
      });
      return;
    case "call":
      for (const a of expr.args) collect(a, guarded || expr.fn === "has", out);
      return;
    case "literal":
      return;
  }
}

/** Every path inside an expression (options, arguments and select operands included). */
export function nestedExpressions(expr: Expression): PathRef[] {
  const out: PathRef[] = [];
  collect(expr, false, out);
  return out;
}

/** The paths whose values an expression computes with: every path but the operands of selects. */
export function valuePaths(expr: Expression): PathExpr[] {
  switch (expr.kind) {
    case "path":
      return [expr];
    case "fallback":
      return expr.options.flatMap(valuePaths);
    case "call":
      return expr.args.flatMap(valuePaths);
    case "literal":
      return [];
  }
}

/** The path whose value an expression yields, where one does (a path, `oneOf(path, …)`, `path ?? …`). */
export function primaryPath(expr: Expression): PathExpr | undefined {
  if (expr.kind === "path") return expr;
  if (expr.kind === "fallback")
    return expr.options[0] === undefined ? undefined : primaryPath(expr.options[0]);
  if (expr.kind === "call" && expr.fn === "oneOf" && expr.args[0] !== undefined)
    return primaryPath(expr.args[0]);
  return undefined;
}
