import { KubeApiError } from "../../kube/client.js";
import { describe, expect, it } from "vitest";
import { PluginError } from "../../plugins/errors.js";
import { UnitError } from "./deploy.js";
import { AccessError } from "../access/errors.js";
import { classifyDeployFailure, isTransientFailure } from "./failures.js";

describe("classifyDeployFailure", () => {
  it("reports the reason a plugin classified its failure with, naming the unit", () => {
    const err = new UnitError("db", "create", new PluginError("ChartNotFound", "chart db not found"));
    const { condition, terminal } = classifyDeployFailure(err);
    expect(condition).toMatchObject({
      type: "Deployed",
      status: "False",
      reason: "ChartNotFound",
      message: "unit db: chart db not found",
    });
    expect(terminal).toBe(false);
  });

  it("a plugin's timeout is its own reason, not an unreachable target", () => {
    const timedOut = new PluginError("Timeout", "helm upgrade --install db timed out after 600 s");
    const { condition } = classifyDeployFailure(new UnitError("db", "update", timedOut));
    expect(condition).toMatchObject({
      type: "Deployed",
      status: "False",
      reason: "Timeout",
      message: "unit db: helm upgrade --install db timed out after 600 s",
    });
  });

  it("takes a network failure of the target as TargetUnreachable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
    const { condition } = classifyDeployFailure(new UnitError("db", "create", refused));
    expect(condition).toMatchObject({
      type: "TargetReachable",
      status: "False",
      reason: "TargetUnreachable",
    });
  });

  it("takes credentials the target refuses (401) as TargetReachable=False, Unauthorized", () => {
    const refused = new KubeApiError(401, "Unauthorized", "Unauthorized");
    const { condition, terminal } = classifyDeployFailure(new UnitError("db", "update", refused));
    expect(condition).toMatchObject({ type: "TargetReachable", status: "False", reason: "Unauthorized" });
    expect(condition.message).toMatch(/^unit db: the target cluster refused the credentials/);
    expect(terminal).toBe(false);
  });
});

describe("isTransientFailure", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), { code: "ECONNREFUSED" });
  it.each([
    [
      "a refused connection, wrapped in a unit's error",
      new UnitError("db", "create", new Error("x", { cause: refused })),
    ],
    [
      "an apiserver answering 503",
      new KubeApiError(503, "ServiceUnavailable", "the server is shutting down"),
    ],
    ["a 429", new KubeApiError(429, "TooManyRequests", "slow down")],
    ["credentials refused", new KubeApiError(401, "Unauthorized", "Unauthorized")],
    ["an unreachable target", new AccessError("Unreachable", "cluster https://mcp is unreachable")],
  ])("%s is a failure of the cluster", (_what, err) => {
    expect(isTransientFailure(err)).toBe(true);
  });

  it.each([
    ["an invalid object", new KubeApiError(422, "Invalid", "spec.replicas: Invalid value")],
    ["a denied AccessRequest", new AccessError("AccessRequestDenied", "denied")],
    ["a helm timeout", new UnitError("db", "update", new PluginError("Timeout", "helm upgrade timed out"))],
    ["anything else", new Error("UPGRADE FAILED")],
  ])("%s is not", (_what, err) => {
    expect(isTransientFailure(err)).toBe(false);
  });
});
