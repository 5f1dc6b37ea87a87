/**
 * A keyed, de-duplicating work queue with client-go semantics, and the worker
 * loop that feeds it to a Reconciler (controller-runtime's processNextWorkItem).
 */
import type { Logger } from "pino";
import { type RateLimiter, defaultControllerRateLimiter } from "./ratelimiter.js";
import { type Reconciler, type Result, isTerminalError, parseRequestKey } from "./types.js";

/** Hooks the metrics module implements (client-go's MetricsProvider, flattened). Durations in seconds. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  /** A key left the queue for a worker after waiting `queuedSeconds`. */
  started(queuedSeconds: number): void;
  finished(workSeconds: number): void;
  retried(): void;
}

/**
 * Why a key is added. `input`: something a reconcile takes as input changed (the API object's
 * spec, its config, a Secret it references, the descriptor); it runs now, even while the key
 * backs off from a failure. `observed`: a watch saw something the key deployed change; spe's
 * own writes look exactly like that, so it never cuts a backoff short (the retry sees it).
 */
export type AddReason = "input" | "observed";

export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
  /** Milliseconds; Date.now by default (vitest fake timers replace it). */
  now?: () => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys that need processing: queued, or re-added while a worker holds them. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { readyAt: number; timer: NodeJS.Timeout }>();
  /** Keys backing off from a failure: their retry is the one in `waiting`. */
  private readonly backingOff = new Set<string>();
  /** Keys re-added while processing because an input changed: a failure does not absorb them. */
  private readonly inputChanged = new Set<string>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly drained: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;
  private readonly now: () => number;

  constructor(options: WorkQueueOptions = {}) {
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.metrics = options.metrics;
    this.now = options.now ?? Date.now;
  }

  /**
   * Queue `key` unless it is already waiting; a key being processed is queued again after
   * done(). A key backing off from a failure waits for its retry unless an input changed.
   */
  add(key: string, reason: AddReason = "observed"): void {
    if (this.shuttingDown) return;
    if (reason === "input") {
      this.endBackoff(key);
      if (this.processing.has(key)) this.inputChanged.add(key);
    } else if (this.backingOff.has(key)) return;
    if (this.dirty.has(key)) return;
    this.metrics?.added();
    this.dirty.add(key);
    this.addedAt.set(key, this.now());
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Add `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown || this.backingOff.has(key)) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const pending = this.waiting.get(key);
    if (pending && pending.readyAt <= this.now() + ms) return;
    this.schedule(key, ms);
  }

  /**
   * Retry `key` after the rate limiter's delay; counts as a retry. Until then only an input
   * change queues it: what watches saw meanwhile (spe's own writes among it) waits for the
   * retry, which reads the world anyway. A retry replaces any poll scheduled before.
   */
  addRateLimited(key: string, capMs?: number): void {
    if (this.shuttingDown) return;
    this.metrics?.retried();
    const delay = this.rateLimiter.when(key, capMs);
    // An input changed while the failed reconcile ran: that runs next, not the retry.
    if (this.inputChanged.has(key) && this.dirty.has(key)) return;
    if (this.processing.has(key) && this.dirty.delete(key)) this.addedAt.delete(key);
    if (delay <= 0) {
      this.add(key);
      return;
    }
    this.backingOff.add(key);
    this.schedule(key, delay);
  }

  /** The key succeeded (or gave up): reset its backoff. Does not remove it from the queue. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
    this.endBackoff(key);
  }

  /** Whether `key` waits for a retry after a failure (only an input change queues it sooner). */
  isBackingOff(key: string): boolean {
    return this.backingOff.has(key);
  }

  private schedule(key: string, ms: number): void {
    const pending = this.waiting.get(key);
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.backingOff.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.waiting.set(key, { readyAt: this.now() + ms, timer });
  }

  /** Drops a pending failure retry of `key` (it runs now, or succeeded). */
  private endBackoff(key: string): void {
    if (!this.backingOff.delete(key)) return;
    const pending = this.waiting.get(key);
    if (pending) clearTimeout(pending.timer);
    this.waiting.delete(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /**
   * The next key, once there is one; `undefined` once the queue shuts down. Unlike
   * client-go, queued keys are not handed out after shutdown: a stopping
   * controller starts no new work, and the next leader lists everything anyway.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.queue.length > 0 ? this.take() : undefined;
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** A worker finished `key`; if it was re-added meanwhile it goes back in the queue. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics?.finished((this.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.handOut();
    }
    if (this.processing.size === 0) this.notifyDrained();
  }

  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stop accepting and handing out keys; waiting get() calls resolve to undefined. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    this.backingOff.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** shutDown, then resolve once every key being processed is done(). */
  shutDownWithDrain(): Promise<void> {
    const drained = new Promise<void>((resolve) => this.drained.push(resolve));
    this.shutDown();
    if (this.processing.size === 0) this.notifyDrained();
    return drained;
  }

  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    const now = this.now();
    this.processing.set(key, now);
    this.dirty.delete(key);
    this.inputChanged.delete(key);
    this.metrics?.started((now - (this.addedAt.get(key) ?? now)) / 1000);
    this.addedAt.delete(key);
    this.metrics?.depth(this.queue.length);
    return key;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.queue.length > 0) {
      this.getters.shift()?.(this.take());
    }
    this.metrics?.depth(this.queue.length);
  }

  private notifyDrained(): void {
    for (const resolve of this.drained.splice(0)) resolve();
  }
}

/** What happened to one reconcile; controller-runtime's `result` label plus terminal errors. */
export type ReconcileOutcome = "success" | "error" | "requeue_after" | "terminal_error";

export interface ReconcileMetrics {
  /** `key` is the queue key (`provider/namespace/name`), so one worker pool can report per controller. */
  reconciled(outcome: ReconcileOutcome, seconds: number, key?: string): void;
}

export interface WorkerOptions {
  logger?: Logger;
  metrics?: ReconcileMetrics;
  /** Passed to every reconcile; abort it to make in-flight reconciles give up early. */
  signal?: AbortSignal;
  now?: () => number;
  /**
   * The longest a failed key waits for its retry, for failures of a cluster rather than of
   * the inputs (an apiserver restarting, a cut connection): without it such a key backs off
   * like any other, up to the limiter's maximum, and stays broken long after the cluster is
   * back. undefined: the limiter's own maximum.
   */
  retryCapMs?: (err: unknown) => number | undefined;
}

/**
 * Run `workers` loops that take keys from `queue` and reconcile them. Resolves
 * once the queue has shut down and every in-flight reconcile has finished.
 */
export async function runWorkers(
  queue: WorkQueue,
  workers: number,
  reconciler: Reconciler,
  options: WorkerOptions = {},
): Promise<void> {
  const pool: Pool = { queue, reconciler, options, terminal: new Map() };
  const loop = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await processItem(pool, key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
}

interface Pool {
  queue: WorkQueue;
  reconciler: Reconciler;
  options: WorkerOptions;
  /**
   * The last terminal error of each key that has one: the object's own writes (its status,
   * its finalizer) wake it again, and the same error is not news a second time.
   */
  terminal: Map<string, string>;
}

async function processItem(pool: Pool, key: string): Promise<void> {
  const now = pool.options.now ?? Date.now;
  const started = now();
  const outcome = await reconcileOnce(pool, key);
  pool.options.metrics?.reconciled(outcome, (now() - started) / 1000, key);
}

function terminal(pool: Pool, key: string, err: unknown, log: Logger | undefined): ReconcileOutcome {
  pool.queue.forget(key);
  const message = err instanceof Error ? err.message : String(err);
  if (pool.terminal.get(key) === message) {
    log?.debug({ err }, "reconcile failed with the same terminal error; not retrying");
  } else {
    pool.terminal.set(key, message);
    log?.error({ err }, "reconcile failed with a terminal error; not retrying");
  }
  return "terminal_error";
}

async function reconcileOnce(pool: Pool, key: string): Promise<ReconcileOutcome> {
  const { queue, reconciler, options } = pool;
  // The reconcile's logger is made when a line is written: a pino child with redaction costs
  // more CPU than most reconciles spend, and most write no line.
  let bindings: Record<string, string> = { key };
  const log = (): Logger | undefined => options.logger?.child(bindings);
  const debug = (msg: string, fields: Record<string, unknown> = {}): void => {
    if (options.logger?.isLevelEnabled("debug")) log()?.debug(fields, msg);
  };
  let result: Result;
  try {
    // parse inside the try and call through a then() so synchronous throws are recovered too
    const request = parseRequestKey(key);
    bindings = { provider: request.provider, key: `${request.namespace}/${request.name}` };
    result = await Promise.resolve().then(() =>
      reconciler.reconcile(request, options.signal ?? new AbortController().signal),
    );
  } catch (err) {
    if (isTerminalError(err)) return terminal(pool, key, err, log());
    pool.terminal.delete(key);
    queue.addRateLimited(key, options.retryCapMs?.(err));
    log()?.warn({ err, retries: queue.numRequeues(key) }, "reconcile failed; retrying with backoff");
    return "error";
  }
  pool.terminal.delete(key);
  queue.forget(key);
  const after = result.requeueAfter ?? 0;
  if (after > 0) {
    queue.addAfter(key, after);
    debug("reconciled; requeued", { requeueAfterMs: after });
    return "requeue_after";
  }
  debug("reconciled");
  return "success";
}
