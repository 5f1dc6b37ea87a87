import { describe, expect, it } from "vitest";
import type { ManifestsUnitPlan } from "../../descriptor/plan.js";
import { ManifestsPlugin } from "./plugin.js";

const base = {
  name: "cfg",
  dependsOn: [],
  deletionPolicy: "delete" as const,
  readiness: { kind: "kstatus" as const },
};
const plugin = new ManifestsPlugin();

describe("a manifests unit's record", () => {
  it("names the namespaces its objects go to, sorted, once each", () => {
    const plan: ManifestsUnitPlan = {
      ...base,
      type: "manifests",
      manifests: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b", namespace: "two" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "one" } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "one" } },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "one" } },
      ],
    };
    expect(plugin.record(plan)).toEqual({ namespaces: ["one", "two"] });
    expect(plugin.record({ ...plan, manifests: [] })).toEqual({});
  });

  it("gives back a plan with no objects: the inventory on the target says what to delete", () => {
    expect(plugin.recordedPlan(base)).toEqual({ ...base, type: "manifests", manifests: [] });
  });
});
