/**
 * The engine's contract, after controller-runtime's pkg/reconcile: what a
 * worker hands a reconciler, what it gets back, and the one error that stops
 * retries. Nothing else belongs here.
 */

/** Identifies one object of one provider; the queue holds these as keys, never events. */
export interface Request {
  /** The provider (descriptor) name the object belongs to. */
  readonly provider: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

export interface Result {
  /** Reconcile again after this many milliseconds even if nothing changes (e.g. pollInterval). */
  readonly requeueAfter?: number;
}

export interface Reconciler {
  /**
   * Level-based and idempotent: read the world for `request`, converge it, report.
   * A rejected promise is a rate-limited retry; a {@link TerminalError} is not retried.
   * `signal` aborts when the controller shuts down.
   */
  reconcile(request: Request, signal: AbortSignal): Promise<Result>;
}

/**
 * An error that retrying cannot fix (a broken descriptor, an invalid spec).
 * It is logged and counted, and the key is forgotten until the object changes.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
}

/** True if `err` or anything in its `cause` chain is a {@link TerminalError} (like errors.Is). */
export function isTerminalError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof TerminalError) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}

/**
 * The queue key for a request: `provider/namespace/name` (namespace empty when
 * cluster-scoped). Kubernetes names and provider names cannot contain "/", so it parses back.
 */
export function requestKey(request: Request): string {
  return `${request.provider}/${request.namespace}/${request.name}`;
}

/** Inverse of {@link requestKey}; throws a TerminalError for keys no queue should hold. */
export function parseRequestKey(key: string): Request {
  const parts = key.split("/");
  const [provider, namespace, name] = parts;
  if (parts.length !== 3 || !provider || namespace === undefined || !name) {
    throw new TerminalError(`malformed request key ${JSON.stringify(key)}`);
  }
  return { provider, namespace, name };
}
