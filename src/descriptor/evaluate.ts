/**
 * Evaluates parsed expressions against the read-only context. Definite paths are
 * walked directly over own properties (no prototype access, no code); wildcard,
 * slice and recursive steps go to jsonpath-plus with script evaluation off.
 */
import { JSONPath } from "jsonpath-plus";
import type { UnitOutputs } from "./plan.js";
import { RenderError, type IssuePath, type RenderFailure } from "./issues.js";
import type { CallExpr, Expression, Operand, PathExpr, Step } from "./expr.js";
import { applyFunction } from "./functions.js";
import { isRecord, scalarText } from "./json.js";

/** What the engine knows about the target cluster, available as `${target…}`. */
export interface TargetContext {
  /** The unit's target cluster (outside units: the descriptor's default one). */
  cluster: "mcp" | "workload" | "platform";
  /** Name and namespace of the MCP (openMCP: the API object's name and namespace). */
  name: string;
  namespace?: string;
  [key: string]: unknown;
}

/** The context a render reads. Never mutated. */
export interface RenderContext {
  api: Record<string, unknown>;
  config: Record<string, unknown>;
  target?: TargetContext;
  /** Outputs of units already deployed, by unit name. */
  deploy?: Record<string, UnitOutputs>;
  /**
   * Live values (`unit.live`) the engine read from deployed objects, by unit and key; a value
   * not there yet is absent, and whoever reads it waits (pending).
   */
  live?: Record<string, Record<string, unknown>>;
  /** What each live value is read from ("Service ns/name status.loadBalancer…"), for the pending message. */
  liveSources?: Record<string, Record<string, string>>;
}

export interface Scope extends RenderContext {
  each?: unknown;
}

type Lookup = { found: true; value: unknown } | { found: false; missing: string; depth?: number };

function fail(failure: RenderFailure, code: string, path: IssuePath, message: string): never {
  throw new RenderError(failure, [{ code, path, message, severity: "error" }]);
}

function child(value: unknown, name: string): Lookup {
  if (Array.isArray(value) && /^\d+$/.test(name)) {
    const index = Number(name);
    return index < value.length
      ? { found: true, value: value[index] }
      : { found: false, missing: `[${name}]` };
  }
  if (isRecord(value) && Object.hasOwn(value, name)) {
    const v = value[name];
    return v === undefined ? { found: false, missing: name } : { found: true, value: v };
  }
  return { found: false, missing: name };
}

function query(value: unknown, segments: string[]): unknown[] {
  if (typeof value !== "object" || value === null) return [];
  return JSONPath({ path: ["$", ...segments], json: value, eval: false, wrap: true }) as unknown[];
}

function operandValue(operand: Operand, scope: Scope, at: IssuePath): unknown {
  if (operand.kind === "literal") return operand.value;
  return evaluate(operand.expr, scope, at);
}

function select(list: unknown, step: Extract<Step, { kind: "select" }>, scope: Scope, ctx: StepCtx): unknown {
  if (!Array.isArray(list)) {
    return fail("invalid-input", "not-a-list", ctx.at, `${ctx.source}: ${ctx.walked} is not a list`);
  }
  const wanted = operandValue(step.operand, scope, ctx.at);
  const text = scalarText(wanted);
  // Compare as text: YAML turns 1.20 into the number 1.2 on one side only too easily.
  const items = list as unknown[];
  const hit = items.find(
    (item) => isRecord(item) && item[step.key] !== undefined && scalarText(item[step.key]) === text,
  );
  if (hit !== undefined) return hit;
  const offered = items.filter(isRecord).map((item) => scalarText(item[step.key]));
  return fail(
    "invalid-input",
    "not-offered",
    ctx.at,
    `${step.key} ${text} is not offered (${ctx.walked}); offered: ${offered.length > 0 ? offered.join(", ") : "none"}`,
  );
}

interface StepCtx {
  source: string;
  walked: string;
  at: IssuePath;
}

/** Where data was missing: the path and how far it got. */
interface Miss {
  path: PathExpr;
  walked: string;
  depth?: number;
}

type Outcome = { found: true; value: unknown } | { found: false; miss: Miss };

/** A live value not there yet: pending, naming the object and field it waits for. */
function liveMissing(source: string, miss: Miss, scope: Scope, at: IssuePath): never {
  const [unit, key] = miss.path.steps;
  const from =
    unit?.kind === "prop" && key?.kind === "prop" ? scope.liveSources?.[unit.name]?.[key.name] : undefined;
  const what = from === undefined ? "" : ` (waits for ${from})`;
  const where = source === miss.walked ? source : `${source}: ${miss.walked}`;
  return fail("pending", "live-pending", at, `${where} is not available yet${what}`);
}

function missing(source: string, miss: Miss, scope: Scope, at: IssuePath): never {
  const { path, walked } = miss;
  if (path.root === "live") return liveMissing(source, miss, scope, at);
  if (path.root === "deploy" && miss.depth === 0) {
    return fail("pending", "data-pending", at, `${source}: ${walked} is not available yet`);
  }
  const failure = path.root === "each" || path.root === "target" ? "expression" : "invalid-input";
  return fail(failure, "missing-data", at, `${source}: ${walked} is missing (add a default with ?? …)`);
}

function rootValue(expr: PathExpr, scope: Scope): unknown {
  if (expr.root === "deploy") return scope.deploy ?? {};
  return expr.root === "live" ? (scope.live ?? {}) : scope[expr.root];
}

/** Walks the steps; returns the value, or where it went missing; throws a typed RenderError. */
function walk(expr: PathExpr, scope: Scope, at: IssuePath): Outcome {
  let value = rootValue(expr, scope);
  let walked: string = expr.root;
  if (value === undefined) return { found: false, miss: { path: expr, walked } };
  for (const [depth, step] of expr.steps.entries()) {
    if (step.kind === "prop") {
      const next = child(value, step.name);
      walked += /^\d+$/.test(step.name) ? `[${step.name}]` : `.${step.name}`;
      if (!next.found) return { found: false, miss: { path: expr, walked, depth } };
      value = next.value;
    } else if (step.kind === "query") {
      value = query(value, step.segments);
      walked += `[${step.segments.join("][")}]`;
    } else {
      value = select(value, step, scope, { source: expr.source, walked, at });
      walked += `[${step.key}=…]`;
    }
  }
  return value === null ? { found: false, miss: { path: expr, walked } } : { found: true, value };
}

/** The value of an expression, or where its data went missing. */
function outcome(expr: Expression, scope: Scope, at: IssuePath): Outcome {
  switch (expr.kind) {
    case "literal":
      return { found: true, value: expr.value };
    case "path":
      return walk(expr, scope, at);
    case "fallback":
      return firstFound(expr.options, scope, at);
    case "call":
      return call(expr, scope, at);
  }
}

function firstFound(options: readonly Expression[], scope: Scope, at: IssuePath): Outcome {
  let first: Outcome | undefined;
  for (const option of options) {
    const result = outcome(option, scope, at);
    if (result.found) return result;
    first ??= result;
  }
  return first ?? { found: true, value: null };
}

function call(expr: CallExpr, scope: Scope, at: IssuePath): Outcome {
  const [arg] = expr.args;
  if (expr.fn === "has") return { found: true, value: arg !== undefined && outcome(arg, scope, at).found };
  const values: unknown[] = [];
  for (const a of expr.args) {
    const result = outcome(a, scope, at);
    // A call with a missing argument is missing itself, so a `??` after it applies.
    if (!result.found) return result;
    values.push(result.value);
  }
  return { found: true, value: applyFunction(values, { call: expr, at }) };
}

/**
 * The value of one expression. Missing (or null) data takes the next `??` option if there
 * is one, otherwise a RenderError: `pending` for deploy outputs and live values not yet there,
 * `invalid-input` for api/config data, `expression` for the rest.
 */
export function evaluate(expr: Expression, scope: Scope, at: IssuePath): unknown {
  const result = outcome(expr, scope, at);
  if (result.found) return result.value;
  return missing(expr.source, result.miss, scope, at);
}
