import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Retirement } from "./retirement.js";

describe("Retirement", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(): { retirement: Retirement; needed: Set<string>; stopped: string[] } {
    const needed = new Set<string>();
    const stopped: string[] = [];
    const retirement = new Retirement(
      1_000,
      (key) => needed.has(key),
      (key) => {
        stopped.push(key);
        return Promise.resolve();
      },
    );
    return { retirement, needed, stopped };
  }

  it("stops a watch nobody needs once the linger is over", async () => {
    const { retirement, stopped } = setup();
    retirement.retire("a");
    await vi.advanceTimersByTimeAsync(999);
    expect(stopped).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toEqual(["a"]);
  });

  it("keeps a watch that is needed again during the linger", async () => {
    const { retirement, needed, stopped } = setup();
    retirement.retire("a");
    needed.add("a");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(stopped).toEqual([]);
  });

  it("close cancels what is waiting", async () => {
    const { retirement, stopped } = setup();
    retirement.retire("a");
    await retirement.close();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(stopped).toEqual([]);
  });
});
