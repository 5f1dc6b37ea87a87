/**
 * Errors as data (zod style): every problem with a descriptor, an API object, a
 * config or a render is an Issue; lint findings and engine conditions share it.
 */

export type Severity = "error" | "warning" | "info";

/** A path into a document: object keys and array indices. */
export type IssuePath = (string | number)[];

export interface Issue {
  /** Stable rule/issue code, e.g. `unknown-path`, `dag-cycle`, `not-offered`. */
  code: string;
  path: IssuePath;
  message: string;
  severity: Severity;
  file?: string;
  line?: number;
  col?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** Formats a path as `spec.deploy[0].helm`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** `file:line:col: severity: message [rule]` (the lint format). */
export function formatIssue(issue: Issue): string {
  const where = `${issue.file ?? "<input>"}:${issue.line ?? 1}:${issue.col ?? 1}`;
  return `${where}: ${issue.severity}: ${issue.message} [${issue.code}]`;
}

export function hasErrors(issues: readonly Issue[]): boolean {
  return issues.some((i) => i.severity === "error");
}

/** A descriptor that failed to load or compile; holds every issue found. */
export class DescriptorError extends Error {
  override readonly name = "DescriptorError";
  constructor(readonly issues: Issue[]) {
    super(issues.map(formatIssue).join("\n") || "invalid descriptor");
  }
}

/**
 * Why a render failed, which decides what the engine does next (kro style):
 * - `pending`: data from a unit that is not deployed yet; wait and retry quietly.
 * - `invalid-input`: the API object or config lacks or offers wrong data (e.g. a
 *   version that is not offered); report as a condition, retry when they change.
 * - `expression`: the descriptor is wrong (a bug); report, do not hammer.
 */
export type RenderFailure = "pending" | "invalid-input" | "expression";

export class RenderError extends Error {
  override readonly name = "RenderError";
  constructor(
    readonly failure: RenderFailure,
    readonly issues: Issue[],
  ) {
    super(
      issues.map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ${i.message}` : i.message)).join("; "),
    );
  }
}

/** The render waits for outputs of a unit that is not deployed yet. */
export function isDataPending(err: unknown): err is RenderError {
  return err instanceof RenderError && err.failure === "pending";
}

/** The API object or config does not satisfy the descriptor (user-fixable). */
export function isInvalidInput(err: unknown): err is RenderError {
  return err instanceof RenderError && err.failure === "invalid-input";
}

/** The descriptor's expressions are wrong; retrying will not help. */
export function isExpressionBug(err: unknown): err is RenderError {
  return err instanceof RenderError && err.failure === "expression";
}

export function issue(code: string, path: IssuePath, message: string, severity: Severity = "error"): Issue {
  return { code, path, message, severity };
}
