/**
 * Evaluates parsed expressions against the read-only context. Definite paths are
 * walked directly over own properties (no prototype access, no code); wildcard,
 * slice and recursive steps go to jsonpath-plus with script evaluation off.
 */
import { JSONPath } from "jsonpath-plus";
import type { UnitOutputs } from "./plan.js";
import { RenderError, type IssuePath, type RenderFailure } from "./issues.js";
import type { Expression, Operand, Step } from "./expr.js";

/** What the engine knows about the target cluster, available as `${target…}`. */
export interface TargetContext {
  cluster: "mcp" | "workload";
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
}

export interface Scope extends RenderContext {
  each?: unknown;
}

type Lookup = { found: true; value: unknown } | { found: false; missing: string; depth?: number };

function fail(failure: RenderFailure, code: string, path: IssuePath, message: string): never {
  throw new RenderError(failure, [{ code, path, message, severity: "error" }]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
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

function scalarText(v: unknown): string {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean"
    ? String(v)
    : JSON.stringify(v);
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

function missing(expr: Expression, result: { walked: string; depth?: number }, at: IssuePath): never {
  const walked = result.walked;
  if (expr.root === "deploy" && result.depth === 0) {
    return fail("pending", "data-pending", at, `${expr.source}: ${walked} is not available yet`);
  }
  const failure = expr.root === "each" || expr.root === "target" ? "expression" : "invalid-input";
  return fail(failure, "missing-data", at, `${expr.source}: ${walked} is missing (add a default with ?? …)`);
}

function rootValue(expr: Expression, scope: Scope): unknown {
  return expr.root === "deploy" ? (scope.deploy ?? {}) : scope[expr.root];
}

/** Walks the steps; returns undefined-free results or throws a typed RenderError. */
function walk(expr: Expression, scope: Scope, at: IssuePath): Lookup & { walked: string } {
  let value = rootValue(expr, scope);
  let walked: string = expr.root;
  if (value === undefined) return { found: false, missing: walked, walked };
  for (const [depth, step] of expr.steps.entries()) {
    if (step.kind === "prop") {
      const next = child(value, step.name);
      walked += /^\d+$/.test(step.name) ? `[${step.name}]` : `.${step.name}`;
      if (!next.found) return { ...next, depth, walked };
      value = next.value;
    } else if (step.kind === "query") {
      value = query(value, step.segments);
      walked += `[${step.segments.join("][")}]`;
    } else {
      value = select(value, step, scope, { source: expr.source, walked, at });
      walked += `[${step.key}=…]`;
    }
  }
  return value === null ? { found: false, missing: walked, walked } : { found: true, value, walked };
}

/**
 * The value of one expression. Missing (or null) data yields the `??` default if
 * there is one, otherwise a RenderError: `pending` for deploy outputs not yet
 * there, `invalid-input` for api/config data, `expression` for the rest.
 */
export function evaluate(expr: Expression, scope: Scope, at: IssuePath): unknown {
  const result = walk(expr, scope, at);
  if (result.found) return result.value;
  if (expr.fallback !== undefined) return expr.fallback.value;
  return missing(expr, result, at);
}
