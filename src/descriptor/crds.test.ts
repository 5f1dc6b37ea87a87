import { describe, expect, it } from "vitest";
import { apiCrd, configCrd } from "./crds.js";
import { describeIssues, pollIntervalMs, validateConfig } from "./inputs.js";
import { toStructural } from "./structural.js";
import { baseDescriptor, compile, get, set } from "./test-helpers.js";

describe("CRD generation", () => {
  const c = compile(
    set(baseDescriptor(), "spec.api.printerColumns", [
      { name: "Version", jsonPath: ".spec.version", description: "Requested version." },
    ]),
  );
  const crd = apiCrd(c);
  const v = (path: string): unknown => get(crd, `spec.versions.0.${path}`);
  const status = (path: string): unknown => v(`schema.openAPIV3Schema.properties.status.${path}`);

  it("names the API CRD and keeps it namespaced", () => {
    expect(crd.metadata.name).toBe("samples.sample.services.spe.dev");
    expect(get(crd, "spec.scope")).toBe("Namespaced");
    expect(get(crd, "spec.names")).toEqual({
      plural: "samples",
      singular: "sample",
      kind: "Sample",
      listKind: "SampleList",
    });
  });

  it("has a status subresource and openMCP status", () => {
    expect(v("subresources")).toEqual({ status: {} });
    expect(Object.keys(status("properties") as object)).toEqual(
      expect.arrayContaining([
        "observedGeneration",
        "phase",
        "conditions",
        "resources",
        "drift",
        "version",
        "chartVersion",
      ]),
    );
    expect(status("properties.conditions.items.required")).toEqual([
      "type",
      "status",
      "lastTransitionTime",
      "reason",
      "message",
    ]);
    expect(status("properties.conditions.x-kubernetes-list-map-keys")).toEqual(["type"]);
    expect(status("properties.version.type")).toBe("string");
    expect(status("properties.chartVersion.type")).toBe("string");
  });

  it("orders printer columns Ready, Phase, the descriptor's, Age", () => {
    const columns = v("additionalPrinterColumns") as { name: string; jsonPath: string }[];
    expect(columns.map((col) => col.name)).toEqual(["Ready", "Phase", "Version", "Age"]);
    expect(columns[0]?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });

  it("carries descriptions into the schema", () => {
    expect(v("schema.openAPIV3Schema.properties.spec.description")).toBe("Sample spec.");
    expect(v("schema.openAPIV3Schema.properties.spec.properties.version.description")).toBe("Version.");
    expect(v("schema.openAPIV3Schema.required")).toEqual(["spec"]);
  });

  it("makes the config CRD cluster-scoped", () => {
    const cfg = configCrd(c);
    expect(cfg.metadata.name).toBe("providerconfigs.sample.services.spe.dev");
    expect(get(cfg, "spec.scope")).toBe("Cluster");
    expect(get(cfg, "spec.versions.0.subresources")).toBeUndefined();
    expect(
      get(cfg, "spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.registry.default"),
    ).toBe("registry.invalid");
  });
});

describe("the config's spec.pollInterval", () => {
  const pollInterval = (crd: ReturnType<typeof configCrd>): unknown =>
    get(crd, "spec.versions.0.schema.openAPIV3Schema.properties.spec.properties.pollInterval");

  it("is declared in the config CRD though the descriptor's schema does not, so the apiserver keeps it", () => {
    expect(pollInterval(configCrd(compile()))).toMatchObject({
      type: "string",
      pattern: "^([0-9]+(ms|s|m|h))+$",
    });
  });

  it("is checked and honoured under a closed schema", () => {
    const c = compile(set(baseDescriptor(), "spec.config.schema.additionalProperties", false));
    const cfg = (spec: object): object => ({
      apiVersion: "sample.services.spe.dev/v1alpha1",
      kind: "ProviderConfig",
      metadata: { name: "sample" },
      spec: { versions: [], ...spec },
    });
    expect(validateConfig(c, cfg({ pollInterval: "5s" }))).toEqual([]);
    expect(pollIntervalMs(c, cfg({ pollInterval: "5s" }) as Record<string, unknown>)).toBe(5_000);
    expect(describeIssues(validateConfig(c, cfg({ pollInterval: "5 minutes" })))).toMatch(/pollInterval/);
    expect(describeIssues(validateConfig(c, cfg({ other: 1 })))).toMatch(/other|additional/);
  });

  it("keeps the descriptor's own declaration where it has one", () => {
    const own = { type: "string", description: "Mine.", enum: ["30s", "1m"] };
    const c = compile(set(baseDescriptor(), "spec.config.schema.properties.pollInterval", own));
    expect(pollInterval(configCrd(c))).toEqual(own);
  });
});

describe("structural schemas", () => {
  it("maps JSON Schema 2020-12 onto what the apiserver accepts", () => {
    const out = toStructural({
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      additionalProperties: false,
      $defs: { v: { type: "string", description: "A version." } },
      properties: {
        a: { $ref: "#/$defs/v" },
        b: { const: "x", type: "string" },
        c: { type: ["string", "null"] },
        d: { type: "integer", exclusiveMinimum: 0 },
        values: { type: "object", description: "Free-form." },
        e: { oneOf: [{ type: "string" }, { type: "integer" }] },
        f: { type: "array" },
      },
    });
    expect(out).toEqual({
      type: "object",
      properties: {
        a: { type: "string", description: "A version." },
        b: { type: "string", enum: ["x"] },
        c: { type: "string", nullable: true },
        d: { type: "integer", minimum: 0, exclusiveMinimum: true },
        values: { type: "object", description: "Free-form.", "x-kubernetes-preserve-unknown-fields": true },
        e: { "x-kubernetes-preserve-unknown-fields": true },
        f: { type: "array", items: { "x-kubernetes-preserve-unknown-fields": true } },
      },
    });
  });
});
