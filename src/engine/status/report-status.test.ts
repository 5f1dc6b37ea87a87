import { describe, expect, it } from "vitest";
import type { DeployReport } from "../reconcile/deploy.js";
import { deployedCondition, readinessCondition, resourceEntries } from "./report-status.js";

const settings = { apiVersion: "v1", kind: "ConfigMap", name: "shop-settings", namespace: "a" };
const deployment = { apiVersion: "apps/v1", kind: "Deployment", name: "shop", namespace: "a" };

function report(failures: DeployReport["failures"]): DeployReport {
  return {
    units: [{ name: "shop", action: "update" }],
    outputs: {},
    live: { values: {}, sources: {}, refs: [] },
    corrected: [],
    failures,
    objects: [
      { ...settings, phase: "Current", target: "mcp" },
      { ...deployment, phase: "InProgress", message: "Deployment not Available", target: "workload" },
    ],
    watches: [],
    unreachable: new Map(),
    ready: false,
    changed: ["shop"],
    removed: [],
  };
}

const refused = {
  unit: "shop",
  target: "mcp" as const,
  failure: { object: settings, reason: "Invalid", message: "denied request: mode may not be strict" },
};

describe("a deploy with objects the apiserver refused", () => {
  it("is Deployed=False, ApplyFailed, naming each object with the apiserver's message", () => {
    expect(deployedCondition(report([refused]))).toMatchObject({
      status: "False",
      reason: "ApplyFailed",
      message: "unit shop: ConfigMap a/shop-settings not applied: denied request: mode may not be strict",
    });
    expect(deployedCondition(report([]))).toMatchObject({ status: "True", reason: "DeploySucceeded" });
  });

  it("says so on the refused object's resources[] entry only", () => {
    const entries = resourceEntries(report([refused]));
    expect(entries[0]).toMatchObject({
      name: "shop-settings",
      location: "mcp",
      phase: "Current",
      message: "not applied: denied request: mode may not be strict",
    });
    expect(entries[1]).toMatchObject({
      name: "shop",
      message: "Deployment not Available",
      location: "workload",
    });
  });

  it("matches a refusal to the object on its own target only", () => {
    const elsewhere = { ...refused, target: "workload" as const };
    expect(resourceEntries(report([elsewhere]))[0]).not.toHaveProperty("message");
  });

  it("lists the first five and counts the rest", () => {
    const many = Array.from({ length: 7 }, (_, i) => ({
      unit: "shop",
      target: "mcp" as const,
      failure: { ...refused.failure, object: { ...settings, name: `cm-${i}` } },
    }));
    const { message } = deployedCondition(report(many));
    expect(message.match(/not applied/g)).toHaveLength(5);
    expect(message).toMatch(/; and 2 more$/);
  });
});

describe("a deploy with a unit waiting for something outside its plan", () => {
  const waiting = (reason?: string): DeployReport => ({
    ...report([]),
    units: [
      { name: "shop", action: "none" },
      {
        name: "pull-secrets",
        action: "waiting",
        waitingFor: "Secret spe-system/mirror not found on the platform cluster",
        ...(reason ? { waitingReason: reason } : {}),
      },
    ],
  });

  it("is Deployed=False with the plugin's reason, naming the unit and what it waits for", () => {
    expect(deployedCondition(waiting("SourceNotFound"))).toMatchObject({
      status: "False",
      reason: "SourceNotFound",
      message: "unit pull-secrets: Secret spe-system/mirror not found on the platform cluster",
    });
  });

  it("stays Deployed=True while a unit only waits for another (no reason of its own)", () => {
    expect(deployedCondition(waiting())).toMatchObject({ status: "True", reason: "DeploySucceeded" });
  });
});

describe("readinessCondition", () => {
  it("names the unit waiting for a live value and the object and field it is read from", () => {
    const waiting: DeployReport = {
      ...report([]),
      objects: [{ ...settings, phase: "Current", target: "mcp" }],
      units: [
        { name: "server", action: "none" },
        {
          name: "settings",
          action: "waiting",
          waitingFor: "spec.deploy[1].manifests[0].data.url: live.server.address is not available yet",
          waitingLive:
            "live.server.address is not available yet (waits for Service live-system/server status.loadBalancer.ingress[0].ip)",
        },
      ],
    };
    expect(readinessCondition(waiting)).toEqual({
      type: "ResourcesReady",
      status: "False",
      reason: "LiveValuePending",
      message:
        "unit settings: live.server.address is not available yet (waits for Service live-system/server status.loadBalancer.ingress[0].ip)",
    });
  });
});
