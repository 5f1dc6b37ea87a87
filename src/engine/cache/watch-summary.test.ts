import { describe, expect, it } from "vitest";
import { mattersToOwner, summarizeMetadata, summarizeObject } from "./watch-summary.js";

const deployment = (readyReplicas: number, rv: string): Record<string, unknown> => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", namespace: "n", uid: "u", generation: 1, resourceVersion: rv, managedFields: [{}] },
  spec: { replicas: 1 },
  status: {
    observedGeneration: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas,
    availableReplicas: readyReplicas,
    conditions: [{ type: "Available", status: readyReplicas ? "True" : "False" }],
  },
});

describe("summarizeObject", () => {
  it("keeps identity, resourceVersion, the fingerprint and kstatus, nothing else", () => {
    const s = summarizeObject(deployment(1, "5"));
    expect(s.metadata).toEqual({ name: "d", namespace: "n", resourceVersion: "5" });
    expect(s.watched).toMatchObject({ uid: "u", resourceVersion: "5", phase: "Current" });
    expect(JSON.stringify(s)).not.toContain("managedFields");
  });

  it("a status change that moves readiness matters to the owner; one that does not, does not", () => {
    const starting = summarizeObject(deployment(0, "5")).watched;
    const ready = summarizeObject(deployment(1, "6")).watched;
    const again = summarizeObject(deployment(1, "7")).watched;
    expect(starting.fingerprint).toBe(ready.fingerprint);
    expect(mattersToOwner(starting, ready)).toBe(true);
    expect(mattersToOwner(ready, again)).toBe(false);
    expect(mattersToOwner(undefined, ready)).toBe(true);
  });
});

describe("objects of a watched set", () => {
  it("keep only name, resourceVersion and labels", () => {
    const secret = {
      metadata: { name: "s.v1", resourceVersion: "3", labels: { owner: "helm", name: "r" }, uid: "u" },
      data: { release: "big" },
    };
    expect(summarizeMetadata(secret)).toEqual({
      metadata: { name: "s.v1", resourceVersion: "3", labels: { owner: "helm", name: "r" } },
    });
  });
});
