import { describe, expect, it } from "vitest";
import type { ApiObject, ApiStatus } from "./api-object.js";
import { configRefOf, progressingFor } from "./progress.js";

const config = {
  apiVersion: "x.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "x", generation: 2 },
};

function obj(generation: number, status?: ApiStatus): ApiObject {
  return {
    apiVersion: "x.dev/v1alpha1",
    kind: "X",
    metadata: { name: "a", namespace: "ns", generation },
    ...(status ? { status } : {}),
  };
}

const ready = (observedGeneration: number, configGeneration?: number): ApiStatus => ({
  phase: "Ready",
  observedGeneration,
  ...(configGeneration === undefined
    ? {}
    : { providerConfigRef: { name: "x", generation: configGeneration } }),
});

describe("progressingFor", () => {
  it("records a config by name, namespace and generation", () => {
    expect(configRefOf(config)).toEqual({ name: "x", generation: 2 });
    expect(configRefOf({ ...config, metadata: { name: "y", namespace: "p" } })).toEqual({
      name: "y",
      namespace: "p",
    });
  });

  it("says Progressing when a Ready status is for another spec generation or config", () => {
    const ref = configRefOf(config);
    expect(progressingFor(obj(3, ready(2, 2)), ref)).toMatchObject({
      type: "Deployed",
      status: "Unknown",
      reason: "Progressing",
      message: "applying generation 3",
    });
    expect(progressingFor(obj(3, ready(3, 1)), ref)?.message).toBe("applying config x (generation 2)");
    expect(progressingFor(obj(3, ready(3, 2)), { name: "other", generation: 2 })?.reason).toBe("Progressing");
  });

  it("leaves alone a status that is current, not Ready, or from before configs were recorded", () => {
    const ref = configRefOf(config);
    expect(progressingFor(obj(3, ready(3, 2)), ref)).toBeUndefined();
    expect(progressingFor(obj(3, { phase: "Progressing", observedGeneration: 2 }), ref)).toBeUndefined();
    expect(progressingFor(obj(3), ref)).toBeUndefined();
    expect(progressingFor(obj(3, ready(3)), ref)).toBeUndefined();
  });
});
