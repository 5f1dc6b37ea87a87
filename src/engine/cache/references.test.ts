import { describe, expect, it } from "vitest";
import { accessReference, configReferences } from "./references.js";

describe("configReferences", () => {
  it("finds secretRef and configMapRef fields at any depth, and nothing else", () => {
    const spec = {
      registry: { pullSecretRef: { name: "pull", namespace: "ops" } },
      versions: [{ version: "1", valuesConfigMapRef: { name: "vals", namespace: "ops" } }],
      other: { name: "not-a-ref", namespace: "ops" },
      incomplete: { secretRef: { name: "no-namespace" } },
    };
    expect(configReferences(spec)).toEqual([
      { apiVersion: "v1", kind: "Secret", name: "pull", namespace: "ops" },
      { apiVersion: "v1", kind: "ConfigMap", name: "vals", namespace: "ops" },
    ]);
  });

  it("stops at a bounded depth on deeply nested input", () => {
    let deep: Record<string, unknown> = { secretRef: { name: "x", namespace: "y" } };
    for (let i = 0; i < 50; i++) deep = { nested: deep };
    expect(configReferences(deep)).toEqual([]);
  });
});

describe("accessReference", () => {
  it("names the kubeconfig Secret or the openMCP AccessRequest", () => {
    expect(accessReference({ kind: "kubeconfigSecret", name: "k", key: "kubeconfig" }, "t")).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      name: "k",
      namespace: "t",
    });
    expect(accessReference({ kind: "openmcp", name: "mcp" }, "t")).toMatchObject({
      kind: "AccessRequest",
      name: "mcp",
    });
  });
});
