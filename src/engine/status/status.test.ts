import { describe, expect, it } from "vitest";
import type { ApiObject, UnitRecord } from "./api-object.js";
import { unitRecord } from "./report-status.js";
import { StatusDraft } from "./status.js";

const base = { dependsOn: [], deletionPolicy: "delete" as const, readiness: { kind: "kstatus" as const } };

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
  it("records a helm unit's release and the CRDs that were absent before its create", () => {
    const plan = {
      ...base,
      name: "svc",
      type: "helm" as const,
      helm: {
        releaseName: "r",
        namespace: "ns",
        chart: {},
        values: {},
        createNamespace: true,
        adopt: "never" as const,
      },
    };
    expect(unitRecord(plan, ["a.example.com"])).toEqual({
      name: "svc",
      type: "helm",
      releaseName: "r",
      namespace: "ns",
      crds: ["a.example.com"],
    });
  });

  it("records the namespaces a manifests unit's objects go to", () => {
    const plan = {
      ...base,
      name: "cfg",
      type: "manifests" as const,
      manifests: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "two" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "one" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "one" } },
      ],
    };
    expect(unitRecord(plan)).toEqual({ name: "cfg", type: "manifests", namespaces: ["one", "two"] });
  });

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
