/**
 * The engine's part of unit records and deletion, with a plugin of its own: the engine adds
 * name, type and CRDs to what the plugin records, and asks the plugin which namespaces and
 * objects are the unit's, whichever plugin it is.
 */
import { describe, expect, it } from "vitest";
import type { ManifestsUnitPlan, UnitPlan } from "../../descriptor/index.js";
import type { DeployPlugin, ObjectMarks } from "../../plugins/types.js";
import { OWNER_LABEL, ownerHash } from "../../plugins/index.js";
import type { PluginSet } from "./deploy.js";
import { deployedByUs, unitNamespaces } from "./deletion-plans.js";
import { unitRecord } from "./records.js";

const owner = { provider: "p", group: "g", kind: "K", namespace: "t", name: "a", uid: "u" };
const plan: ManifestsUnitPlan = {
  name: "svc",
  type: "manifests",
  dependsOn: [],
  deletionPolicy: "delete",
  readiness: { kind: "kstatus" },
  manifests: [],
};

/** A plugin that records a release, lives in one namespace and marks its objects with a label. */
const marking: Pick<DeployPlugin, "record" | "namespaces" | "owns"> = {
  record: () => ({ releaseName: "r", namespace: "ns" }),
  namespaces: () => ["ns"],
  owns: (_unit: UnitPlan, o: ObjectMarks) => o.labels?.mark === "svc",
};
const plugins = { manifests: marking, helm: marking } as unknown as PluginSet;

describe("unit records and deletion through the plugin contract", () => {
  it("a record is the plugin's fields with the unit's name, type and the CRDs its create found absent", () => {
    expect(unitRecord(plugins, plan, ["a.example.com"])).toEqual({
      name: "svc",
      type: "manifests",
      releaseName: "r",
      namespace: "ns",
      crds: ["a.example.com"],
    });
    expect(unitRecord(plugins, plan)).not.toHaveProperty("crds");
  });

  it("an object is ours by spe's owner label or by the unit's plugin's marks", () => {
    const ours = deployedByUs(plugins, [{ plan, target: "mcp", rendered: true, exists: true }], owner);
    expect(ours({ name: "x", labels: { [OWNER_LABEL]: ownerHash(owner) } })).toBe(true);
    expect(ours({ name: "y", labels: { mark: "svc" } })).toBe(true);
    expect(ours({ name: "z", labels: { mark: "other" } })).toBe(false);
  });

  it("the namespaces to clean up are the plugins' for the plans and the records' own", () => {
    const records = [{ name: "old", type: "manifests" as const, namespaces: ["gone"] }];
    expect(
      unitNamespaces(plugins, [{ plan, target: "mcp", rendered: true, exists: true }], records).sort(),
    ).toEqual(["gone", "ns"]);
  });
});
