import { describe, expect, it } from "vitest";
import type { ApiObject, UnitRecord } from "./api-object.js";
import { StatusDraft } from "./status.js";

function draftWith(units?: UnitRecord[]): StatusDraft {
  const obj: ApiObject = {
    apiVersion: "x.example.com/v1",
    kind: "X",
    metadata: { name: "a", namespace: "t" },
    ...(units ? { status: { units } } : {}),
  };
  return new StatusDraft(obj, new Date("2026-01-01T00:00:00Z"));
}

describe("unit records", () => {
  it("keeps the CRDs recorded at a unit's first create when a later create records others", () => {
    const draft = draftWith([
      { name: "svc", type: "helm", releaseName: "r", namespace: "ns", crds: ["a", "b"] },
    ]);
    draft.setUnits([{ name: "svc", type: "helm", releaseName: "r", namespace: "ns", crds: [] }]);
    expect(draft.build().units).toEqual([
      { name: "svc", type: "helm", releaseName: "r", namespace: "ns", crds: ["a", "b"] },
    ]);
  });

  it("takes a unit's CRDs from this reconcile when none were recorded, and keeps units that only wait", () => {
    const draft = draftWith([
      { name: "svc", type: "helm", releaseName: "r", namespace: "ns" },
      { name: "later", type: "manifests" },
    ]);
    draft.setUnits([{ name: "svc", type: "helm", releaseName: "r", namespace: "ns", crds: ["a"] }]);
    expect(draft.build().units).toEqual([
      { name: "svc", type: "helm", releaseName: "r", namespace: "ns", crds: ["a"] },
      { name: "later", type: "manifests" },
    ]);
  });
});
