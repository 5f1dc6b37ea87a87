import { describe, expect, it } from "vitest";
import { formatStep, runSteps, type StepResult } from "./validate.js";
import type { Step } from "./validate-steps.js";

const step = (phase: Step["phase"], name: string, run: () => Promise<string | undefined>): Step => ({
  phase,
  name,
  run,
});

describe("validate's step runner", () => {
  it("runs every step in order and reports notes and skips", async () => {
    const seen: string[] = [];
    const results = await runSteps(
      [
        step("SETUP", "a", () => Promise.resolve(undefined)),
        step("ASSESS", "b", () => Promise.resolve("2 object(s)")),
        step("ASSESS", "c", () => Promise.resolve("skipped: no --domain-sample")),
        step("TEARDOWN", "d", () => Promise.resolve(undefined)),
      ],
      (r) => seen.push(r.name),
    );
    expect(seen).toEqual(["a", "b", "c", "d"]);
    expect(results.map((r) => [r.status, r.detail])).toEqual([
      ["ok", undefined],
      ["ok", "2 object(s)"],
      ["skipped", "no --domain-sample"],
      ["ok", undefined],
    ]);
  });

  it("after a failure skips the remaining ASSESS steps, still tears down, and keeps the first line of the reason", async () => {
    let tornDown = false;
    const results = await runSteps(
      [
        step("ASSESS", "ready", () =>
          Promise.reject(new Error("DemoService default/x is not Ready: InvalidInput: no version 9\nstack")),
        ),
        step("ASSESS", "removed", () => Promise.resolve(undefined)),
        step("TEARDOWN", "clean", () => {
          tornDown = true;
          return Promise.resolve(undefined);
        }),
      ],
      () => undefined,
    );
    expect(results.map((r) => r.status)).toEqual(["failed", "skipped", "ok"]);
    expect(results[0]?.detail).toBe("DemoService default/x is not Ready: InvalidInput: no version 9");
    expect(tornDown).toBe(true);
  });

  it("prints one line per step with its phase, time and outcome", () => {
    const r: StepResult = {
      phase: "ASSESS",
      name: "DemoService default/x Ready",
      seconds: 12.34,
      status: "failed",
      detail: "why",
    };
    expect(formatStep(r)).toBe("ASSESS     12.3 s  FAILED  DemoService default/x Ready (why)\n");
  });
});
