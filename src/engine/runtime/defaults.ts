/** The engine's tunables' defaults, where the CLI, the chart's docs and the engine read them. */

/**
 * Concurrent reconciles. Most wait on an apiserver (drift corrections, readiness), so more
 * than cores; helm operations have their own, smaller bound (DEFAULT_HELM_CONCURRENCY).
 */
export const DEFAULT_WORKERS = 16;

export { DEFAULT_HELM_CONCURRENCY } from "../../plugins/helm/worker-client.js";

/** controller-runtime's SyncPeriod, for objects whose watches say nothing changed (ADR 0006). */
export const DEFAULT_SYNC_PERIOD_MS = 10 * 60_000;
