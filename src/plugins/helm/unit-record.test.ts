import { describe, expect, it } from "vitest";
import type { HelmUnitPlan } from "../../descriptor/plan.js";
import { helmRecord, helmRecordedPlan, inRelease } from "./unit-record.js";

const base = {
  name: "svc",
  dependsOn: [],
  deletionPolicy: "delete" as const,
  readiness: { kind: "kstatus" as const },
};
const plan: HelmUnitPlan = {
  ...base,
  type: "helm",
  helm: {
    releaseName: "r",
    namespace: "ns",
    chart: { path: "c" },
    values: { a: 1 },
    createNamespace: true,
    adopt: "never",
  },
};

describe("a helm unit's record", () => {
  it("names its release", () => {
    expect(helmRecord(plan)).toEqual({ releaseName: "r", namespace: "ns" });
  });

  it("gives back a plan that uninstalls the recorded release, chart and values unknown", () => {
    expect(helmRecordedPlan(base, { releaseName: "r", namespace: "ns" })).toEqual({
      ...base,
      type: "helm",
      helm: {
        releaseName: "r",
        namespace: "ns",
        chart: {},
        values: {},
        createNamespace: false,
        adopt: "never",
      },
    });
    expect(helmRecordedPlan(base, { releaseName: "r" })).toBeUndefined();
    expect(helmRecordedPlan(base, {})).toBeUndefined();
  });

  it("owns the objects annotated as part of its release, and no other release's", () => {
    const annotated = (name: string, namespace: string) => ({
      annotations: { "meta.helm.sh/release-name": name, "meta.helm.sh/release-namespace": namespace },
    });
    expect(inRelease(plan, annotated("r", "ns"))).toBe(true);
    expect(inRelease(plan, annotated("r", "other"))).toBe(false);
    expect(inRelease(plan, annotated("s", "ns"))).toBe(false);
    expect(inRelease(plan, { labels: { "app.kubernetes.io/managed-by": "Helm" } })).toBe(false);
  });
});
