import { describe, expect, it } from "vitest";
import { generateCrds } from "../../descriptor/index.js";
import { compile } from "../../descriptor/test-helpers.js";
import { crdCluster } from "./crds.js";

describe("openMCP CRD routing", () => {
  it("sends the generated API CRD to onboarding and the config CRD to the platform", () => {
    expect(generateCrds(compile()).map(crdCluster)).toEqual(["onboarding", "platform"]);
  });

  it("refuses a CRD without a known cluster label", () => {
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "x.y.z" },
    };
    expect(() => crdCluster(crd)).toThrow(
      "CRD x.y.z: label openmcp.cloud/cluster is missing; expected onboarding or platform",
    );
    const other = { ...crd, metadata: { name: "x.y.z", labels: { "openmcp.cloud/cluster": "mcp" } } };
    expect(() => crdCluster(other)).toThrow('is "mcp"');
  });
});
