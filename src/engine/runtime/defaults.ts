/** The engine's tunables' defaults, where the CLI, the chart's docs and the engine read them. */

/**
 * Concurrent reconciles. Most wait on an apiserver (drift corrections, readiness), so more
 * than cores; helm operations have their own, smaller bound (DEFAULT_HELM_CONCURRENCY).
 */
export const DEFAULT_WORKERS = 16;

export { DEFAULT_HELM_CONCURRENCY } from "../../plugins/helm/worker-client.js";

/**
 * The longest an object waits to retry after a failure of a cluster rather than of its inputs
 * (unreachable, 5xx, 429, credentials refused): once the cluster is back, every object is
 * retried within this bound instead of after a backoff grown over a long outage. The queue's
 * overall token bucket still bounds what a mass failure sends to the clusters.
 */
export const TRANSIENT_RETRY_CAP_MS = 30_000;

/** controller-runtime's SyncPeriod, for objects whose watches say nothing changed (ADR 0006). */
export const DEFAULT_SYNC_PERIOD_MS = 10 * 60_000;
