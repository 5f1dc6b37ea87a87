/**
 * Rate limiters for the work queue, after client-go's workqueue package:
 * per-item exponential backoff, an overall token bucket, and the max of both.
 */

/** A source of time in milliseconds; injected so backoff logic is tested without waiting. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface RateLimiter {
  /**
   * How long (ms) to wait before handing `key` out again; each call counts as one more retry.
   * `capMs` bounds this one delay below the limiter's own maximum (a transient failure).
   */
  when(key: string, capMs?: number): number;
  /** Stop tracking `key` (it succeeded); its next failure starts from the base delay again. */
  forget(key: string): void;
  /** How many times `key` has been requeued since it was last forgotten. */
  numRequeues(key: string): number;
}

/** base·2^failures, capped: 5 ms, 10 ms, 20 ms … up to 1000 s by default (client-go's defaults). */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}

  when(key: string, capMs = this.maxMs): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    // 2^exp overflows to Infinity long before it matters; the cap handles it.
    return Math.min(this.baseMs * 2 ** exp, this.maxMs, capMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket (golang.org/x/time/rate's Reserve): `burst` keys go
 * out at once, then `qps` per second, so a mass failure cannot hammer an apiserver.
 * Every call reserves a token, even one in the future, like client-go.
 */
export class BucketRateLimiter implements RateLimiter {
  private tokens: number;
  private last: number;

  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    private readonly clock: Clock = systemClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: string): number {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.qps) / 1000);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  forget(_key: string): void {
    // The bucket is shared by all keys; there is nothing per key to forget.
  }

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The longest delay of any limiter; retries are the most any limiter counted. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string, capMs?: number): number {
    // Every limiter must see every call, so no short-circuiting here.
    return this.limiters.reduce((max, limiter) => Math.max(max, limiter.when(key, capMs)), 0);
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.limiters.reduce((max, limiter) => Math.max(max, limiter.numRequeues(key)), 0);
  }
}

export interface ControllerRateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
  clock?: Clock;
}

/** client-go's DefaultControllerRateLimiter: max(5 ms→1000 s per item, 10 qps / burst 100 overall). */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(options.baseDelayMs ?? 5, options.maxDelayMs ?? 1_000_000),
    new BucketRateLimiter(options.qps ?? 10, options.burst ?? 100, options.clock ?? systemClock),
  );
}
