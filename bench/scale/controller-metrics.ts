/**
 * What the controller says about itself, from its Prometheus /metrics: spe and the peer both
 * export controller-runtime's reconcile and workqueue histograms, so a phase's deltas say
 * whether its time went to waiting in the queue or to reconciling.
 */

import type { System } from "./types.js";

export interface ControllerSnapshot {
  reconciles: number;
  reconcileSeconds: number;
  queuedItems: number;
  queueSeconds: number;
}

export interface ControllerDelta {
  reconciles: number;
  /** Mean time an item waited in the work queue before a worker took it. */
  meanQueueWaitMs: number | null;
  /** Mean duration of one reconcile. */
  meanReconcileMs: number | null;
}

/** A controller's Prometheus text exposition from 127.0.0.1:`port`; undefined when it does not answer. */
export async function fetchMetrics(port: number | undefined): Promise<string | undefined> {
  if (port === undefined) return undefined;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  return res?.ok ? res.text() : undefined;
}

/** Sum of every series of `name` (all label sets) in a Prometheus text exposition. */
export function metricTotal(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== "{" && rest[0] !== " ") continue;
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

export function controllerSnapshot(text: string): ControllerSnapshot {
  return {
    reconciles: metricTotal(text, "controller_runtime_reconcile_time_seconds_count"),
    reconcileSeconds: metricTotal(text, "controller_runtime_reconcile_time_seconds_sum"),
    queuedItems: metricTotal(text, "workqueue_queue_duration_seconds_count"),
    queueSeconds: metricTotal(text, "workqueue_queue_duration_seconds_sum"),
  };
}

export function controllerDelta(before: ControllerSnapshot, after: ControllerSnapshot): ControllerDelta {
  const mean = (seconds: number, count: number): number | null =>
    count > 0 ? Math.round((seconds / count) * 1000) : null;
  const reconciles = after.reconciles - before.reconciles;
  return {
    reconciles,
    meanQueueWaitMs: mean(after.queueSeconds - before.queueSeconds, after.queuedItems - before.queuedItems),
    meanReconcileMs: mean(after.reconcileSeconds - before.reconcileSeconds, reconciles),
  };
}

/** The controller's snapshot now; undefined when it serves no /metrics or it did not answer. */
export async function snapshotOf(system: System): Promise<ControllerSnapshot | undefined> {
  const text = await system.metrics?.().catch(() => undefined);
  return text === undefined ? undefined : controllerSnapshot(text);
}
