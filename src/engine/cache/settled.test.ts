import { describe, expect, it } from "vitest";
import { SettledKeys } from "./settled.js";

function keys(start = 0): { settled: SettledKeys; clock: { t: number } } {
  const clock = { t: start };
  const settled = new SettledKeys({ syncPeriodMs: 600_000, now: () => clock.t, random: () => 0.5 });
  return { settled, clock };
}

describe("SettledKeys", () => {
  it("skips a poll of a converged object that nothing woke, with its poll interval", () => {
    const { settled } = keys();
    const mark = settled.mark("p/ns/a");
    settled.settle("p/ns/a", mark, "42", 60_000);
    expect(settled.skip("p/ns/a", "42")).toBe(60_000);
  });

  it("runs in full when never settled, or after unsettle", () => {
    const { settled } = keys();
    expect(settled.skip("p/ns/a", "42")).toBeUndefined();
    settled.settle("p/ns/a", settled.mark("p/ns/a"), "42", 60_000);
    settled.unsettle("p/ns/a");
    expect(settled.skip("p/ns/a", "42")).toBeUndefined();
  });

  it("runs in full after a wake, also one that came while the settling reconcile ran", () => {
    const { settled } = keys();
    const mark = settled.mark("p/ns/a");
    settled.wake("p/ns/a"); // a watch event during the reconcile
    settled.settle("p/ns/a", mark, "42", 60_000);
    expect(settled.skip("p/ns/a", "42")).toBeUndefined();

    settled.settle("p/ns/a", settled.mark("p/ns/a"), "42", 60_000);
    expect(settled.skip("p/ns/a", "42")).toBe(60_000);
    settled.wake("p/ns/a");
    expect(settled.skip("p/ns/a", "42")).toBeUndefined();
  });

  it("runs in full when the API object moved to another resourceVersion", () => {
    const { settled } = keys();
    settled.settle("p/ns/a", settled.mark("p/ns/a"), "42", 60_000);
    expect(settled.skip("p/ns/a", "43")).toBeUndefined();
    expect(settled.skip("p/ns/a", undefined)).toBeUndefined();
  });

  it("runs in full once per sync period, and the period is not extended by settling again", () => {
    const { settled, clock } = keys();
    const settle = (): void => {
      settled.settle("p/ns/a", settled.mark("p/ns/a"), "42", 60_000);
    };
    settle();
    clock.t = 599_999;
    expect(settled.skip("p/ns/a", "42")).toBe(60_000);
    settle(); // an event-driven reconcile in between keeps the deadline
    clock.t = 600_000;
    expect(settled.skip("p/ns/a", "42")).toBeUndefined();
    settle();
    clock.t = 1_199_999;
    expect(settled.skip("p/ns/a", "42")).toBe(60_000);
  });

  it("spreads the deadlines of objects settled together by ±10 %", () => {
    const clock = { t: 0 };
    const randoms = [0, 0.999];
    const settled = new SettledKeys({
      syncPeriodMs: 1_000,
      now: () => clock.t,
      random: () => randoms.shift() ?? 0,
    });
    settled.settle("p/ns/a", 0, "1", 10);
    settled.settle("p/ns/b", 0, "1", 10);
    clock.t = 900;
    expect(settled.skip("p/ns/a", "1")).toBeUndefined();
    expect(settled.skip("p/ns/b", "1")).toBe(10);
    clock.t = 1_099;
    expect(settled.skip("p/ns/b", "1")).toBe(10);
  });

  it("forgets a deleted object's marks", () => {
    const { settled } = keys();
    settled.wake("p/ns/a");
    settled.settle("p/ns/a", settled.mark("p/ns/a"), "42", 60_000);
    settled.forget("p/ns/a");
    expect(settled.size).toBe(0);
    expect(settled.mark("p/ns/a")).toBe(0);
  });
});
