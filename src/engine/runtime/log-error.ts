/**
 * How an error appears in a log line (pino's `err` serializer), pure. Each thing is said once:
 * pino's own serializer appends every cause's message to the message, and spe's errors that
 * wrap a cause already say it (`unit app: helm upgrade --install app failed: …`), so the line
 * read `X: X`. Fields that only repeat part of the message (HelmError's summary and detail)
 * are left out too. A stack trace is kept for what may be a bug (a TypeError, a plain Error);
 * an error spe or Node names by type or code (an apiserver's answer, a refused connection,
 * a helm failure) is an expected condition, and its stack tells the operator nothing.
 */

/** The error classes a programming mistake throws (and `new Error(...)` without a type). */
const UNTYPED = new Set<string>([
  "Error",
  "TypeError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "EvalError",
  "URIError",
  "AggregateError",
]);

const MAX_DEPTH = 5;

function innermost(err: Error): Error {
  let e = err;
  for (let i = 0; i < MAX_DEPTH && e.cause instanceof Error; i++) e = e.cause;
  return e;
}

/** A failure spe or Node knows by name or code, rather than a program error. */
export function isExpectedError(err: Error): boolean {
  const inner = innermost(err);
  const code = (inner as { code?: unknown }).code;
  return typeof code === "string" || !UNTYPED.has(inner.constructor.name);
}

/** Text the message already holds (a name or code is kept as a field: lines are filtered by it). */
function repeats(value: string, message: string): boolean {
  return value === "" || (/\s/.test(value) && message.includes(value));
}

/** Own fields worth a key of their own: not the message again, nor prose the message holds. */
function fieldsOf(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    if (key === "cause" || key === "name" || value === undefined) continue;
    if (typeof value === "string" && repeats(value, err.message)) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}

function serialize(err: Error, outer: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name };
  // A cause whose message the outer error already carries is named by its type and fields only.
  if (!outer.includes(err.message)) out.message = err.message;
  Object.assign(out, fieldsOf(err));
  if (err.cause instanceof Error && depth < MAX_DEPTH)
    out.cause = serialize(err.cause, `${outer}\n${err.message}`, depth + 1);
  return out;
}

/** The `err` field of a log line. */
export function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const out: Record<string, unknown> = { type: value.name, message: value.message, ...fieldsOf(value) };
  if (value.cause instanceof Error) out.cause = serialize(value.cause, value.message, 1);
  // Where the bug is: the innermost error's stack, not the wrapper's.
  const stack = innermost(value).stack;
  if (!isExpectedError(value) && stack) out.stack = stack;
  return out;
}
