import { describe, expect, it } from "vitest";
import { compile } from "../../descriptor/test-helpers.js";
import { crdCluster, openmcpCrds } from "./crds.js";

describe("openMCP CRD routing", () => {
  it("labels the API CRD for onboarding and the config CRD for the platform", () => {
    const compiled = compile();
    const [api, config] = openmcpCrds(compiled);
    expect(api?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "spe",
      "openmcp.cloud/cluster": "onboarding",
    });
    expect(api?.metadata.name).toBe(`${compiled.api.plural}.${compiled.api.group}`);
    expect(config?.metadata.labels?.["openmcp.cloud/cluster"]).toBe("platform");
    expect(openmcpCrds(compiled).map(crdCluster)).toEqual(["onboarding", "platform"]);
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
