import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.js";

async function sample(text: Promise<string>, line: string): Promise<number | undefined> {
  const found = (await text).split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("createMetrics", () => {
  it("counts reconciles by controller-runtime's result label, errors and terminal errors", async () => {
    const m = createMetrics({ processMetrics: false });
    const r = m.reconcileMetrics("crossplane");
    r.reconciled("success", 0.2);
    r.reconciled("error", 0.1);
    r.reconciled("terminal_error", 0.1);
    r.reconciled("requeue_after", 0.3);
    const text = m.registry.metrics();
    expect(
      await sample(text, 'controller_runtime_reconcile_total{controller="crossplane",result="success"}'),
    ).toBe(1);
    expect(
      await sample(text, 'controller_runtime_reconcile_total{controller="crossplane",result="error"}'),
    ).toBe(2);
    expect(
      await sample(
        text,
        'controller_runtime_reconcile_total{controller="crossplane",result="requeue_after"}',
      ),
    ).toBe(1);
    expect(await sample(text, 'controller_runtime_reconcile_errors_total{controller="crossplane"}')).toBe(2);
    expect(
      await sample(text, 'controller_runtime_terminal_reconcile_errors_total{controller="crossplane"}'),
    ).toBe(1);
    expect(
      await sample(text, 'controller_runtime_reconcile_time_seconds_count{controller="crossplane"}'),
    ).toBe(4);
    expect(
      await sample(
        text,
        'controller_runtime_reconcile_time_seconds_bucket{le="0.25",controller="crossplane"}',
      ),
    ).toBe(3);
  });

  it("exports zeroed series for a controller before its first reconcile", async () => {
    const m = createMetrics({ processMetrics: false });
    m.reconcileMetrics("flux");
    const text = m.registry.metrics();
    expect(await sample(text, 'controller_runtime_reconcile_total{controller="flux",result="success"}')).toBe(
      0,
    );
    expect(await sample(text, 'controller_runtime_reconcile_errors_total{controller="flux"}')).toBe(0);
  });

  it("implements the work queue hooks", async () => {
    const m = createMetrics({ processMetrics: false });
    const q = m.workqueueMetrics("crossplane");
    q.added();
    q.added();
    q.depth(2);
    q.started(0.5);
    q.finished(1.5);
    q.retried();
    const text = m.registry.metrics();
    expect(await sample(text, 'workqueue_adds_total{name="crossplane"}')).toBe(2);
    expect(await sample(text, 'workqueue_depth{name="crossplane"}')).toBe(2);
    expect(await sample(text, 'workqueue_retries_total{name="crossplane"}')).toBe(1);
    expect(await sample(text, 'workqueue_queue_duration_seconds_sum{name="crossplane"}')).toBe(0.5);
    expect(await sample(text, 'workqueue_work_duration_seconds_sum{name="crossplane"}')).toBe(1.5);
  });

  it("records drift and helm operations", async () => {
    const m = createMetrics({ processMetrics: false });
    m.driftDetected("crossplane");
    m.driftDetected("crossplane");
    m.driftCorrected("crossplane");
    m.helmOperation("upgrade", 3, true);
    m.helmOperation("upgrade", 1, false);
    m.helmWorkerStarted();
    const text = m.registry.metrics();
    expect(await sample(text, 'spe_drift_detected_total{provider="crossplane"}')).toBe(2);
    expect(await sample(text, 'spe_drift_corrected_total{provider="crossplane"}')).toBe(1);
    expect(await sample(text, 'spe_helm_operation_duration_seconds_count{operation="upgrade"}')).toBe(2);
    expect(await sample(text, 'spe_helm_operation_failures_total{operation="upgrade"}')).toBe(1);
    expect(await sample(text, "spe_helm_worker_starts_total")).toBe(1);
  });

  it("keeps engines apart and includes process metrics by default", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.driftDetected("x");
    expect(await sample(b.registry.metrics(), 'spe_drift_detected_total{provider="x"}')).toBeUndefined();
    expect(await a.registry.metrics()).toContain("process_cpu_user_seconds_total");
  });
});
