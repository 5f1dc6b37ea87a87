import { describe, expect, it } from "vitest";
import { desiredHashOf, fingerprintOf } from "./fingerprint.js";

const deployment = (meta: Record<string, unknown>, status: unknown = {}): Record<string, unknown> => ({
  metadata: { uid: "u1", generation: 2, resourceVersion: "10", labels: { a: "1" }, ...meta },
  status,
});

describe("fingerprintOf", () => {
  it("ignores status updates of kinds with a generation", () => {
    const before = fingerprintOf(deployment({}, { readyReplicas: 0 }));
    expect(fingerprintOf(deployment({ resourceVersion: "11" }, { readyReplicas: 1 }))).toBe(before);
  });

  it("changes with the generation, labels, annotations, deletion and the uid", () => {
    const base = fingerprintOf(deployment({}));
    expect(fingerprintOf(deployment({ generation: 3 }))).not.toBe(base);
    expect(fingerprintOf(deployment({ labels: { a: "2" } }))).not.toBe(base);
    expect(fingerprintOf(deployment({ annotations: { x: "y" } }))).not.toBe(base);
    expect(fingerprintOf(deployment({ deletionTimestamp: "2026-01-01T00:00:00Z" }))).not.toBe(base);
    expect(fingerprintOf(deployment({ uid: "u2" }))).not.toBe(base);
  });

  it("ignores the rollout number the Deployment controller annotates", () => {
    const applied = fingerprintOf(deployment({ annotations: { x: "y" } }));
    const numbered = deployment({ annotations: { x: "y", "deployment.kubernetes.io/revision": "1" } });
    expect(fingerprintOf(numbered)).toBe(applied);
  });

  it("does not depend on the order of labels", () => {
    expect(fingerprintOf(deployment({ labels: { a: "1", b: "2" } }))).toBe(
      fingerprintOf(deployment({ labels: { b: "2", a: "1" } })),
    );
  });

  it("falls back to the resourceVersion for kinds without a generation (ConfigMaps)", () => {
    expect(fingerprintOf({ metadata: { resourceVersion: "7" } })).toBe("rv:7");
    expect(fingerprintOf({ metadata: { resourceVersion: "8" } })).not.toBe("rv:7");
  });
});

describe("desiredHashOf", () => {
  it("changes with any field of the desired object", () => {
    const a = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, data: { k: "1" } };
    expect(desiredHashOf(a)).toBe(desiredHashOf(structuredClone(a)));
    expect(desiredHashOf({ ...a, data: { k: "2" } })).not.toBe(desiredHashOf(a));
  });
});
