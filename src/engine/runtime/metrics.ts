/**
 * Prometheus metrics: controller-runtime's names where they fit, so existing
 * dashboards work, plus spe's drift and Helm metrics. One registry per engine.
 */
import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { ReconcileMetrics, ReconcileOutcome, WorkQueueMetrics } from "../queue/workqueue.js";

/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** client-go's workqueue buckets: 10 ns … 1000 s. */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
const HELM_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600];

/** controller-runtime's `result` label values; terminal errors count as errors there too. */
const RESULT_LABEL: Record<ReconcileOutcome, string> = {
  success: "success",
  error: "error",
  requeue_after: "requeue_after",
  terminal_error: "error",
};

export interface SpeMetrics {
  readonly registry: Registry;
  /** Hooks for runWorkers, labelled with the controller (provider) name. */
  reconcileMetrics(controller: string): ReconcileMetrics;
  /** Hooks for a WorkQueue, labelled with the queue name. */
  workqueueMetrics(name: string): WorkQueueMetrics;
  driftDetected(provider: string): void;
  driftCorrected(provider: string): void;
  /** A poll found its object settled and skipped the render (cache/settled.ts). */
  resyncSkipped(provider: string): void;
  helmOperation(operation: string, seconds: number, succeeded: boolean): void;
  /** A helm worker process was started (one at start; more mean it crashed). */
  helmWorkerStarted(): void;
  /** A request to an apiserver was answered (or failed without an answer). */
  apiRequest(host: string, method: string, code: string): void;
}

export interface MetricsOptions {
  registry?: Registry;
  /** Node process metrics (CPU, memory, event loop lag); on by default. */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): SpeMetrics {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"],
    registers,
  });
  const reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"],
    registers,
  });
  const terminalErrors = new Counter({
    name: "controller_runtime_terminal_reconcile_errors_total",
    help: "Total number of terminal reconciliation errors per controller",
    labelNames: ["controller"],
    registers,
  });
  const reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"],
    buckets: RECONCILE_BUCKETS,
    registers,
  });
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: ["name"],
    registers,
  });
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: ["name"],
    registers,
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: ["name"],
    registers,
  });
  const queueDuration = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name"],
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const workDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes",
    labelNames: ["name"],
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const driftDetected = new Counter({
    name: "spe_drift_detected_total",
    help: "Deployed objects found to differ from the desired state",
    labelNames: ["provider"],
    registers,
  });
  const driftCorrected = new Counter({
    name: "spe_drift_corrected_total",
    help: "Drifted objects brought back to the desired state",
    labelNames: ["provider"],
    registers,
  });
  const resyncsSkipped = new Counter({
    name: "spe_resyncs_skipped_total",
    help: "Polls of converged objects not woken since their last reconcile, answered without rendering",
    labelNames: ["provider"],
    registers,
  });
  const helmDuration = new Histogram({
    name: "spe_helm_operation_duration_seconds",
    help: "Duration of helm operations (upgrade, uninstall, rollback, template) run by the helm worker",
    labelNames: ["operation"],
    buckets: HELM_BUCKETS,
    registers,
  });
  const helmFailures = new Counter({
    name: "spe_helm_operation_failures_total",
    help: "Failed helm operations",
    labelNames: ["operation"],
    registers,
  });
  const apiRequests = new Counter({
    name: "rest_client_requests_total",
    help: "Requests to apiservers, by host, method and HTTP status code (client-go's metric)",
    labelNames: ["host", "method", "code"],
    registers,
  });
  const helmWorkerStarts = new Counter({
    name: "spe_helm_worker_starts_total",
    help: "Helm worker processes started; more than one means a worker exited and was replaced",
    registers,
  });

  return {
    registry,
    reconcileMetrics(controller) {
      // Zero-initialise like controller-runtime so rate() works from the first scrape.
      for (const result of new Set(Object.values(RESULT_LABEL)))
        reconcileTotal.inc({ controller, result }, 0);
      reconcileErrors.inc({ controller }, 0);
      terminalErrors.inc({ controller }, 0);
      return {
        reconciled(outcome, seconds) {
          reconcileTotal.inc({ controller, result: RESULT_LABEL[outcome] });
          reconcileTime.observe({ controller }, seconds);
          if (outcome === "error" || outcome === "terminal_error") reconcileErrors.inc({ controller });
          if (outcome === "terminal_error") terminalErrors.inc({ controller });
        },
      };
    },
    workqueueMetrics(name) {
      depth.set({ name }, 0);
      return {
        depth: (n) => {
          depth.set({ name }, n);
        },
        added: () => {
          adds.inc({ name });
        },
        started: (s) => {
          queueDuration.observe({ name }, s);
        },
        finished: (s) => {
          workDuration.observe({ name }, s);
        },
        retried: () => {
          retries.inc({ name });
        },
      };
    },
    driftDetected: (provider) => {
      driftDetected.inc({ provider });
    },
    driftCorrected: (provider) => {
      driftCorrected.inc({ provider });
    },
    resyncSkipped: (provider) => {
      resyncsSkipped.inc({ provider });
    },
    helmOperation(operation, seconds, succeeded) {
      helmDuration.observe({ operation }, seconds);
      if (!succeeded) helmFailures.inc({ operation });
    },
    helmWorkerStarted: () => {
      helmWorkerStarts.inc();
    },
    apiRequest: (host, method, code) => {
      apiRequests.inc({ host, method, code });
    },
  };
}
