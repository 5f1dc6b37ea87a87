import { describe, expect, it } from "vitest";
import {
  BucketRateLimiter,
  type Clock,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from "./ratelimiter.js";

class FakeClock implements Clock {
  constructor(public t = 0) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

describe("ItemExponentialRateLimiter", () => {
  it("doubles from 5 ms per failure and caps at 1000 s", () => {
    const rl = new ItemExponentialRateLimiter();
    const delays = Array.from({ length: 5 }, () => rl.when("a"));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    for (let i = 0; i < 100; i++) rl.when("a");
    expect(rl.when("a")).toBe(1_000_000);
    expect(rl.numRequeues("a")).toBe(106);
  });

  it("tracks keys independently and starts over after forget", () => {
    const rl = new ItemExponentialRateLimiter(1, 1000);
    rl.when("a");
    rl.when("a");
    expect(rl.when("b")).toBe(1);
    expect(rl.numRequeues("a")).toBe(2);
    rl.forget("a");
    expect(rl.numRequeues("a")).toBe(0);
    expect(rl.when("a")).toBe(1);
  });
});

describe("BucketRateLimiter", () => {
  it("lets a burst through immediately, then spaces keys at qps", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 3, clock);
    expect([rl.when("a"), rl.when("b"), rl.when("c")]).toEqual([0, 0, 0]);
    // Each further reservation waits one more 100 ms slot.
    expect(rl.when("d")).toBe(100);
    expect(rl.when("e")).toBe(200);
  });

  it("refills with time but never beyond the burst", () => {
    const clock = new FakeClock();
    const rl = new BucketRateLimiter(10, 2, clock);
    rl.when("a");
    rl.when("b");
    clock.advance(100);
    expect(rl.when("c")).toBe(0);
    clock.advance(60_000);
    expect([rl.when("d"), rl.when("e"), rl.when("f")]).toEqual([0, 0, 100]);
  });

  it("counts no per-key retries", () => {
    const rl = new BucketRateLimiter(10, 1, new FakeClock());
    rl.when("a");
    rl.when("a");
    expect(rl.numRequeues("a")).toBe(0);
  });
});

describe("MaxOfRateLimiter / defaultControllerRateLimiter", () => {
  it("returns the longest delay and forgets in every limiter", () => {
    const clock = new FakeClock();
    const rl = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter(5, 1000),
      new BucketRateLimiter(1, 1, clock),
    );
    expect(rl.when("a")).toBe(5); // bucket has a token, item backoff dominates
    expect(rl.when("a")).toBe(1000); // bucket is empty: 1 s, item says 10 ms
    expect(rl.numRequeues("a")).toBe(2);
    rl.forget("a");
    expect(rl.numRequeues("a")).toBe(0);
  });

  it("defaults to 5 ms base and a 100-key burst", () => {
    const rl = defaultControllerRateLimiter({ clock: new FakeClock() });
    const first = Array.from({ length: 100 }, (_, i) => rl.when(`k${i}`));
    expect(new Set(first)).toEqual(new Set([5]));
    expect(rl.when("k100")).toBe(100);
  });
});
