import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Writable } from "node:stream";
import { createLogger } from "../runtime/logger.js";
import { ItemExponentialRateLimiter } from "./ratelimiter.js";
import { TerminalError, type Reconciler, type Request, type Result } from "./types.js";
import { type ReconcileOutcome, WorkQueue, type WorkQueueMetrics, runWorkers } from "./workqueue.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Resolves `promise` if it settles within the current fake-timer tick, else "pending". */
async function peek<T>(promise: Promise<T>): Promise<T | "pending"> {
  return Promise.race([promise, Promise.resolve().then(() => "pending" as const)]);
}

function queue(): WorkQueue {
  return new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
}

describe("WorkQueue", () => {
  it("de-duplicates keys and hands them out in order", async () => {
    const q = queue();
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe("a");
    expect(await q.get()).toBe("b");
    expect(q.len()).toBe(0);
  });

  it("wakes a waiting get when a key arrives", async () => {
    const q = queue();
    const next = q.get();
    expect(await peek(next)).toBe("pending");
    q.add("a");
    expect(await next).toBe("a");
  });

  it("never hands a key being processed to a second worker, and requeues it after done", async () => {
    const q = queue();
    q.add("a");
    expect(await q.get()).toBe("a");
    q.add("a");
    q.add("a");
    expect(q.len()).toBe(0);
    const second = q.get();
    expect(await peek(second)).toBe("pending");
    q.done("a");
    expect(await second).toBe("a");
    q.done("a");
    expect(q.len()).toBe(0);
  });

  it("adds a key after a delay, keeping the earliest of several delays", async () => {
    const q = queue();
    q.addAfter("a", 1000);
    q.addAfter("a", 100);
    q.addAfter("a", 500);
    await vi.advanceTimersByTimeAsync(99);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.len()).toBe(1);
  });

  it("backs off exponentially per key on addRateLimited until forgotten", async () => {
    const q = queue();
    q.addRateLimited("a");
    await vi.advanceTimersByTimeAsync(5);
    expect(await q.get()).toBe("a");
    q.done("a");
    q.addRateLimited("a");
    await vi.advanceTimersByTimeAsync(9);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    expect(q.numRequeues("a")).toBe(2);
    q.forget("a");
    expect(q.numRequeues("a")).toBe(0);
  });

  it("holds a key backing off from a failure: observed changes and polls neither bypass nor reset it", async () => {
    const q = queue();
    q.addRateLimited("a"); // 5 ms
    await vi.advanceTimersByTimeAsync(5);
    expect(await q.get()).toBe("a");
    q.done("a");
    q.addRateLimited("a"); // 10 ms
    expect(q.isBackingOff("a")).toBe(true);
    q.add("a");
    q.add("a", "observed");
    q.addAfter("a", 1);
    await vi.advanceTimersByTimeAsync(9);
    expect(q.len()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.len()).toBe(1);
    expect(q.isBackingOff("a")).toBe(false);
    expect(q.numRequeues("a")).toBe(2);
  });

  it("runs a key backing off at once when an input changes, keeping its failure count", async () => {
    const q = queue();
    q.addRateLimited("a");
    q.addRateLimited("a"); // the retry is 10 ms away
    q.add("a", "input");
    expect(q.len()).toBe(1);
    expect(q.isBackingOff("a")).toBe(false);
    expect(await q.get()).toBe("a");
    q.done("a");
    await vi.advanceTimersByTimeAsync(100);
    expect(q.len()).toBe(0); // the retry it replaced is gone
    expect(q.numRequeues("a")).toBe(2);
  });

  it("on shutDown releases waiting workers, hands out nothing more and drops delayed keys", async () => {
    const q = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();

    const q2 = queue();
    q2.add("queued");
    q2.addAfter("later", 10);
    q2.shutDown();
    q2.add("new");
    await vi.advanceTimersByTimeAsync(100);
    expect(await q2.get()).toBeUndefined();
    expect(q2.isShuttingDown()).toBe(true);
  });

  it("shutDownWithDrain resolves only after in-flight keys are done", async () => {
    const q = queue();
    q.add("a");
    q.add("b");
    const a = await q.get();
    const drained = q.shutDownWithDrain();
    expect(await peek(drained)).toBe("pending");
    q.done(a!);
    await drained;
    await expect(queue().shutDownWithDrain()).resolves.toBeUndefined();
  });

  it("reports adds, depth, queue latency, work duration and retries", async () => {
    const calls: string[] = [];
    const metrics: WorkQueueMetrics = {
      depth: (n) => calls.push(`depth ${n}`),
      added: () => calls.push("added"),
      started: (s) => calls.push(`started ${s}`),
      finished: (s) => calls.push(`finished ${s}`),
      retried: () => calls.push("retried"),
    };
    const q = new WorkQueue({ metrics, rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
    q.add("a");
    q.add("a");
    await vi.advanceTimersByTimeAsync(250);
    const key = await q.get();
    await vi.advanceTimersByTimeAsync(2000);
    q.done(key!);
    q.addRateLimited("a");
    expect(calls).toEqual(["added", "depth 1", "started 0.25", "depth 0", "finished 2", "retried"]);
  });
});

function recorder(): { outcomes: ReconcileOutcome[]; metrics: { reconciled(o: ReconcileOutcome): void } } {
  const outcomes: ReconcileOutcome[] = [];
  return { outcomes, metrics: { reconciled: (o) => outcomes.push(o) } };
}

function reconcilerOf(fn: (req: Request, n: number) => Promise<Result> | Result): Reconciler & {
  calls: Request[];
} {
  const calls: Request[] = [];
  return {
    calls,
    reconcile: (req) => {
      calls.push(req);
      return fn(req, calls.length) as Promise<Result>;
    },
  };
}

describe("runWorkers", () => {
  it("reconciles the parsed request and forgets it on success", async () => {
    const q = queue();
    const rec = recorder();
    const r = reconcilerOf(() => Promise.resolve({}));
    const running = runWorkers(q, 2, r, { metrics: rec.metrics });
    q.add("crossplane/team-a/mcp-1");
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([{ provider: "crossplane", namespace: "team-a", name: "mcp-1" }]);
    expect(rec.outcomes).toEqual(["success"]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.calls).toHaveLength(1);
    q.shutDown();
    await running;
  });

  it("retries rejected, thrown and non-Error failures with backoff, then forgets", async () => {
    const q = queue();
    const rec = recorder();
    const r = reconcilerOf((_req, n) => {
      if (n === 1) return Promise.reject(new Error("apiserver unavailable"));
      if (n === 2) throw new Error("synchronous bug");
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a careless plugin might do
      if (n === 3) throw "a string";
      return {};
    });
    const running = runWorkers(q, 1, r, { metrics: rec.metrics });
    q.add("p/ns/a");
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5); // 1st retry after 5 ms
    await vi.advanceTimersByTimeAsync(10); // 2nd after 10 ms
    await vi.advanceTimersByTimeAsync(20); // 3rd after 20 ms
    expect(r.calls).toHaveLength(4);
    expect(rec.outcomes).toEqual(["error", "error", "error", "success"]);
    expect(q.numRequeues("p/ns/a")).toBe(0);
    q.shutDown();
    await running;
  });

  it("does not retry a TerminalError (nor a malformed key)", async () => {
    const q = queue();
    const rec = recorder();
    const r = reconcilerOf(() => Promise.reject(new Error("render", { cause: new TerminalError("bad") })));
    const running = runWorkers(q, 1, r, { metrics: rec.metrics });
    q.add("p/ns/a");
    q.add("not-a-key");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.calls).toHaveLength(1);
    expect(rec.outcomes).toEqual(["terminal_error", "terminal_error"]);
    q.shutDown();
    await running;
  });

  it("retries a failure of the cluster within its cap, however long the outage grew its backoff", async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter(5, 1_000_000) });
    const outage = new Error("connect ECONNREFUSED");
    let down = true;
    const r = reconcilerOf(() => (down ? Promise.reject(outage) : {}));
    const running = runWorkers(q, 1, r, { retryCapMs: (err) => (err === outage ? 2_000 : undefined) });
    q.add("p/ns/a");
    // Ten minutes of outage: uncapped, the 20th retry would wait 5 ms·2^19, about 44 minutes.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const failed = r.calls.length;
    expect(failed).toBeGreaterThan(20);
    down = false;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(r.calls.length).toBe(failed + 1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(r.calls.length).toBe(failed + 1);
    q.shutDown();
    await running;
  });

  it("keeps the limiter's own backoff for other failures", async () => {
    const q = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter(5, 1_000_000) });
    const r = reconcilerOf(() => Promise.reject(new Error("UPGRADE FAILED")));
    const running = runWorkers(q, 1, r, { retryCapMs: () => undefined });
    q.add("p/ns/a");
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // 5 ms·(2^17 − 1) ≈ 655 s > 10 min: 17 runs at the most.
    expect(r.calls.length).toBeLessThanOrEqual(17);
    q.shutDown();
    await running;
  });

  it("honours requeueAfter", async () => {
    const q = queue();
    const r = reconcilerOf(() => ({ requeueAfter: 60_000 }));
    const running = runWorkers(q, 1, r);
    q.add("p/ns/a");
    await vi.advanceTimersByTimeAsync(59_999);
    expect(r.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toHaveLength(2);
    q.shutDown();
    await running;
  });

  it("never runs one key on two workers; a change during reconcile triggers one more pass", async () => {
    const q = queue();
    let active = 0;
    let maxActive = 0;
    const r = reconcilerOf(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 100));
      active--;
      return {};
    });
    const running = runWorkers(q, 4, r);
    q.add("p/ns/a");
    await vi.advanceTimersByTimeAsync(10);
    q.add("p/ns/a");
    q.add("p/ns/a");
    await vi.advanceTimersByTimeAsync(1000);
    expect(maxActive).toBe(1);
    expect(r.calls).toHaveLength(2);
    q.shutDown();
    await running;
  });

  it("a failure absorbs what watches saw while it ran (its own writes' echo): the retry waits for the backoff", async () => {
    const q = queue();
    const rec = recorder();
    const r = reconcilerOf(async () => {
      // The failing reconcile's own writes (a rollback, say) come back as watch events.
      q.add("p/ns/a", "observed");
      await new Promise((resolve) => setTimeout(resolve, 50));
      q.add("p/ns/a", "observed");
      throw new Error("UPGRADE FAILED");
    });
    const running = runWorkers(q, 1, r, { metrics: rec.metrics });
    q.add("p/ns/a", "input");
    await vi.advanceTimersByTimeAsync(50); // 1st run fails; retry in 5 ms
    q.add("p/ns/a"); // a late echo
    await vi.advanceTimersByTimeAsync(4);
    expect(r.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1 + 50); // 2nd run at 5 ms; retry in 10 ms
    await vi.advanceTimersByTimeAsync(10 + 50); // 3rd; retry in 20 ms
    expect(r.calls).toHaveLength(3);
    expect(rec.outcomes).toEqual(["error", "error", "error"]);
    q.shutDown();
    await running;
  });

  it("an input change while a failing reconcile runs is reconciled right after it", async () => {
    const q = queue();
    const r = reconcilerOf(async (_req, n) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (n === 1) throw new Error("UPGRADE FAILED");
      return {};
    });
    const running = runWorkers(q, 1, r);
    q.add("p/ns/a", "input");
    await vi.advanceTimersByTimeAsync(10);
    q.add("p/ns/a", "input"); // the user fixed the spec meanwhile
    await vi.advanceTimersByTimeAsync(40);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toHaveLength(2);
    expect(q.isBackingOff("p/ns/a")).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(q.numRequeues("p/ns/a")).toBe(0);
    q.shutDown();
    await running;
  });

  it("resolves after shutdown only once in-flight reconciles finish, starting no queued ones", async () => {
    const q = queue();
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    let finished = 0;
    const r: Reconciler & { calls: Request[] } = {
      calls: [],
      async reconcile(req, signal) {
        this.calls.push(req);
        signals.push(signal);
        await new Promise((resolve) => setTimeout(resolve, 500));
        finished++;
        return {};
      },
    };
    const running = runWorkers(q, 1, r, { signal: controller.signal });
    q.add("p/ns/a");
    q.add("p/ns/b");
    await vi.advanceTimersByTimeAsync(10);
    q.shutDown();
    expect(await peek(running)).toBe("pending");
    await vi.advanceTimersByTimeAsync(500);
    await running;
    expect(finished).toBe(1);
    expect(r.calls.map((c) => c.name)).toEqual(["a"]);
    expect(signals).toEqual([controller.signal]);
  });

  it("logs each failure with the provider and the object key", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const q = queue();
    const r = reconcilerOf(() => Promise.reject(new TerminalError("spec.version 9.9 is not offered")));
    const running = runWorkers(q, 1, r, { logger: createLogger({ destination }) });
    q.add("crossplane/team-a/mcp-1");
    await vi.advanceTimersByTimeAsync(0);
    q.shutDown();
    await running;
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: "error",
        provider: "crossplane",
        key: "team-a/mcp-1",
        err: expect.objectContaining({ message: "spec.version 9.9 is not offered" }) as unknown,
      }),
    ]);
  });

  it("logs a terminal error once while it stays the same, and again when it changes", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const q = queue();
    const errors = ["invalid spec: size", "invalid spec: size", "invalid spec: size", "invalid spec: color"];
    let i = 0;
    const r = reconcilerOf(() => Promise.reject(new TerminalError(errors[i++] ?? "")));
    const running = runWorkers(q, 1, r, { logger: createLogger({ destination }) });
    // The object's own writes (status, finalizer) wake it again with the same error.
    for (let n = 0; n < errors.length; n++) {
      q.add("p/ns/a");
      await vi.advanceTimersByTimeAsync(0);
    }
    q.shutDown();
    await running;
    expect(r.calls).toHaveLength(4);
    const logged = lines.map((l) => JSON.parse(l) as { level: string; err: { message: string } });
    expect(logged.map((l) => [l.level, l.err.message])).toEqual([
      ["error", "invalid spec: size"],
      ["error", "invalid spec: color"],
    ]);
  });
});
