/**
 * Sorting reconcile failures into what the user is told (a condition with a
 * reason) and what happens next (retry with backoff, or wait for a change).
 */
import { describeIssues, isDataPending, RenderError } from "../../descriptor/index.js";
import { AccessError } from "../access/errors.js";
import { PluginError } from "../../plugins/errors.js";
import { KubeApiError } from "../../kube/client.js";
import { deployFailed, targetUnreachable, type ConditionInput } from "../status/conditions.js";
import { UnitError } from "./unit-error.js";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
]);

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && out.length < 10; e = (e as { cause?: unknown }).cause) {
    out.push(e);
    if (!(e instanceof Error)) break;
  }
  return out;
}

/** The target's API server did not answer (connection refused, reset, timed out). */
export function isUnreachable(err: unknown): boolean {
  return causes(err).some((e) => {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    return e instanceof Error && /timed out|socket hang up/.test(e.message);
  });
}

/** An answer of the cluster itself (429, 5xx) rather than of the request. */
function clusterTrouble(err: unknown): boolean {
  return causes(err).some((e) => e instanceof KubeApiError && (e.status === 429 || e.status >= 500));
}

/**
 * A failure of a cluster rather than of the inputs: it goes away by itself (an apiserver
 * restarting, a cut connection, credentials rotated), so its retry is not put off for long.
 */
export function isTransientFailure(err: unknown): boolean {
  // A plugin's own classification stands here too: a helm timeout reads like a network one.
  if ((err instanceof UnitError ? err.cause : err) instanceof PluginError) return false;
  return (
    (err instanceof AccessError && err.reason === "Unreachable") ||
    unauthorized(err) !== undefined ||
    isUnreachable(err) ||
    clusterTrouble(err)
  );
}

export interface Classified {
  condition: ConditionInput;
  /** Retrying cannot help until the API object, its config or the descriptor change. */
  terminal: boolean;
}

function renderFailure(err: RenderError): Classified {
  const reason = err.failure === "invalid-input" ? "InvalidInput" : "DescriptorError";
  return { condition: deployFailed(describeIssues(err.issues), reason), terminal: true };
}

/** The target's API server refused spe's credentials (expired, revoked, rotated away). */
function unauthorized(err: unknown): KubeApiError | undefined {
  return causes(err).find((e): e is KubeApiError => e instanceof KubeApiError && e.status === 401);
}

/** What to tell the user about a failure while deploying. */
export function classifyDeployFailure(err: unknown): Classified {
  if (err instanceof RenderError && !isDataPending(err)) return renderFailure(err);
  if (err instanceof AccessError) {
    return { condition: targetUnreachable(err.message, err.reason), terminal: false };
  }
  const inner = err instanceof UnitError ? err.cause : err;
  const unit = err instanceof UnitError ? `unit ${err.unit}: ` : "";
  if (unauthorized(err)) {
    const message = `${unit}the target cluster refused the credentials (401 Unauthorized): they expired or were revoked`;
    return { condition: targetUnreachable(message, "Unauthorized"), terminal: false };
  }
  // A plugin's own classification stands: its message may read like a network failure
  // ("timed out") without being one.
  if (inner instanceof PluginError) {
    return { condition: deployFailed(`${unit}${inner.message}`, inner.reason), terminal: false };
  }
  if (isUnreachable(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return { condition: targetUnreachable(`target cluster unreachable: ${message}`), terminal: false };
  }
  if (inner instanceof KubeApiError) {
    return { condition: deployFailed(`${unit}${inner.message}`, inner.reason), terminal: false };
  }
  const message = inner instanceof Error ? inner.message : String(inner);
  return { condition: deployFailed(`${unit}${message}`), terminal: false };
}

/**
 * Whether a unit's failure means its target cannot be reached (connection refused, reset,
 * timed out): then its other units wait too, and other targets go on. A plugin's own
 * classification stands, as in classifyDeployFailure.
 */
export function targetDown(err: unknown): err is Error {
  const inner = err instanceof UnitError ? err.cause : err;
  return err instanceof Error && !(inner instanceof PluginError) && isUnreachable(err);
}
