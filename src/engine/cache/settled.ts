/**
 * Resyncs with nothing to do. Everything a reconcile reads comes from watches (ADR 0005), and
 * every watch that sees a change relevant to an API object wakes it. So an object whose last
 * reconcile found it converged (ready, nothing deployed, nothing corrected), that has not been
 * woken since, and whose API object is at the same resourceVersion, would render the same plan
 * and find the same fingerprints: its poll can skip the render. A full reconcile still runs at
 * least once per sync period, for what no watch sees (a local chart edited on disk).
 *
 * Wakes are counted, not flagged: a wake during a reconcile bumps the count past the one the
 * reconcile started with, so the run it queues is never skipped.
 */
export interface SettledOptions {
  /** How long a settled object may go without a full reconcile (ms). */
  syncPeriodMs: number;
  now?: () => number;
  random?: () => number;
}

interface Settled {
  wakes: number;
  resourceVersion: string;
  requeueAfterMs: number;
  /** When the next full reconcile is due; spread ±10 % so objects settled together do not all come due at once. */
  fullBy: number;
}

export class SettledKeys {
  private readonly wakes = new Map<string, number>();
  private readonly settled = new Map<string, Settled>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: SettledOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Something `key` depends on changed (a watch event, an informer add, a config change). */
  wake(key: string): void {
    this.wakes.set(key, (this.wakes.get(key) ?? 0) + 1);
  }

  /** The wake count a reconcile starts from; pass it back to settle(). */
  mark(key: string): number {
    return this.wakes.get(key) ?? 0;
  }

  /**
   * The reconcile that started at `mark` found `key` converged, its API object at
   * `resourceVersion`; it polls again after `requeueAfterMs`.
   */
  settle(key: string, mark: number, resourceVersion: string, requeueAfterMs: number): void {
    const previous = this.settled.get(key);
    const spread = 0.9 + 0.2 * this.random();
    const fullBy =
      previous && previous.fullBy > this.now()
        ? previous.fullBy
        : this.now() + this.options.syncPeriodMs * spread;
    this.settled.set(key, { wakes: mark, resourceVersion, requeueAfterMs, fullBy });
  }

  /** The last reconcile did not converge (or failed): the next one runs in full. */
  unsettle(key: string): void {
    this.settled.delete(key);
  }

  /**
   * When a reconcile of `key`, its API object at `resourceVersion`, would find nothing new:
   * the poll interval to requeue it after instead. Undefined when it must run.
   */
  skip(key: string, resourceVersion: string | undefined): number | undefined {
    const s = this.settled.get(key);
    if (!s || resourceVersion === undefined) return undefined;
    if (s.wakes !== this.mark(key) || s.resourceVersion !== resourceVersion) return undefined;
    if (this.now() >= s.fullBy) {
      this.settled.delete(key);
      return undefined;
    }
    return s.requeueAfterMs;
  }

  /** The API object is gone. */
  forget(key: string): void {
    this.settled.delete(key);
    this.wakes.delete(key);
  }

  get size(): number {
    return this.settled.size;
  }
}
