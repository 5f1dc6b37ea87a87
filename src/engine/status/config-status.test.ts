import { describe, expect, it } from "vitest";
import { compile, sampleConfig } from "../../descriptor/test-helpers.js";
import { configStatus } from "./config-status.js";

const compiled = compile();
const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-01T00:05:00Z");

describe("a config's status", () => {
  it("is Ready when the config is valid", () => {
    const status = configStatus(
      compiled,
      { ...sampleConfig, metadata: { name: "sample", generation: 3 } },
      t0,
    );
    expect(status).toEqual({
      observedGeneration: 3,
      phase: "Ready",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "ConfigValid",
          message: 'ProviderConfig "sample" is valid',
          observedGeneration: 3,
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
    });
  });

  it("is InvalidConfig with the validator's message when not, and keeps the transition time while it stays so", () => {
    const bad = { ...sampleConfig, metadata: { name: "sample", generation: 4 }, spec: { versions: "1.0" } };
    const first = configStatus(compiled, bad, t0);
    expect(first.phase).toBe("Invalid");
    expect(first.conditions[0]).toMatchObject({
      status: "False",
      reason: "InvalidConfig",
      message: 'ProviderConfig "sample" is invalid: spec.versions: must be array',
    });
    const again = configStatus(compiled, { ...bad, status: first }, t1);
    expect(again.conditions[0]?.lastTransitionTime).toBe("2026-01-01T00:00:00Z");
    const fixed = configStatus(compiled, { ...sampleConfig, metadata: bad.metadata, status: first }, t1);
    expect(fixed.conditions[0]).toMatchObject({ status: "True", lastTransitionTime: "2026-01-01T00:05:00Z" });
  });
});
