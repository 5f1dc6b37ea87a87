/**
 * When and how long to wait before sending an idempotent request again: on 429 Too Many
 * Requests (after the server's Retry-After, as priority and fairness asks) and on 5xx (a
 * restarting or overloaded apiserver, or a proxy in front of it), with exponential backoff
 * and jitter, so clients that failed together do not all come back together. Bounded in
 * attempts and in any one wait; what still fails after that is the caller's to report.
 */
import type { HttpRequest } from "./http.js";

export const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;
/** A Retry-After longer than this is cut short: a caller with a deadline should hear of the failure. */
const MAX_RETRY_AFTER_MS = 10_000;

const RETRIED = new Set([429, 500, 502, 503, 504]);

/** GET, and server-side apply (the same patch twice leaves the same object), may go again. */
export function idempotent(req: Pick<HttpRequest, "method" | "contentType">): boolean {
  return (
    req.method === "GET" || (req.method === "PATCH" && req.contentType === "application/apply-patch+yaml")
  );
}

export function retryable(status: number): boolean {
  return RETRIED.has(status);
}

/** Retry-After in seconds (the apiserver never sends an HTTP date). */
function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()) * 1000, MAX_RETRY_AFTER_MS);
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function retryDelayMs(attempt: number, retryAfter: string | undefined, random = Math.random): number {
  const backoff = Math.min(BASE_DELAY_MS * 2 ** (attempt - 1), MAX_DELAY_MS);
  const jittered = backoff / 2 + random() * (backoff / 2);
  return Math.max(retryAfterMs(retryAfter) ?? 0, jittered);
}

/** Waits `ms`, or less when the caller's signal aborts (the next attempt then fails at once). */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
