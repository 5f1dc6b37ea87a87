import { describe, expect, it } from "vitest";
import { apiCrd, configCrd } from "./crds.js";
import { describeIssues, pollIntervalMs, validateConfig } from "./inputs.js";
import { toStructural } from "./structural.js";
import { baseDescriptor, compile, get, lintDoc, set } from "./test-helpers.js";

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

  it("shows exactly the descriptor's printer columns, in its order", () => {
    const columns = v("additionalPrinterColumns") as { name: string; jsonPath: string }[];
    expect(columns).toEqual([
      {
        name: "Version",
        type: "string",
        jsonPath: ".spec.version",
        description: "Requested version.",
        priority: 0,
      },
    ]);
  });

  it("names built-in columns by name alone and defaults to Ready, Phase, Age", () => {
    const own = compile(
      set(baseDescriptor(), "spec.api.printerColumns", [
        { name: "Version", jsonPath: ".spec.version" },
        { name: "Phase" },
        { name: "Age" },
        { name: "Ready", priority: 1 },
      ]),
    );
    const columns = get(apiCrd(own), "spec.versions.0.additionalPrinterColumns") as Record<string, unknown>[];
    expect(columns.map((col) => [col.name, col.jsonPath, col.type])).toEqual([
      ["Version", ".spec.version", "string"],
      ["Phase", ".status.phase", "string"],
      ["Age", ".metadata.creationTimestamp", "date"],
      ["Ready", '.status.conditions[?(@.type=="Ready")].status', "string"],
    ]);
    expect(columns[3]?.priority).toBe(1);
    const defaults = get(apiCrd(compile()), "spec.versions.0.additionalPrinterColumns") as { name: string }[];
    expect(defaults.map((col) => col.name)).toEqual(["Ready", "Phase", "Age"]);
    const cfg = get(configCrd(compile()), "spec.versions.0.additionalPrinterColumns") as { name: string }[];
    expect(cfg.map((col) => col.name)).toEqual(["Age"]);
    const none = configCrd(compile(set(baseDescriptor(), "spec.config.printerColumns", [])));
    expect(get(none, "spec.versions.0.additionalPrinterColumns")).toEqual([]);
  });

  it("labels the CRDs for openMCP's init: API onboarding, config platform, or exactly the descriptor's", () => {
    expect(crd.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "spe",
      "openmcp.cloud/cluster": "onboarding",
    });
    expect(configCrd(c).metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "spe",
      "openmcp.cloud/cluster": "platform",
    });
    const d = set(baseDescriptor(), "spec.api.crdLabels", { "openmcp.cloud/cluster": "onboarding" });
    set(d, "spec.config.crdLabels", { "openmcp.cloud/cluster": "platform", team: "a" });
    expect(apiCrd(compile(d)).metadata.labels).toEqual({ "openmcp.cloud/cluster": "onboarding" });
    expect(configCrd(compile(d)).metadata.labels).toEqual({ "openmcp.cloud/cluster": "platform", team: "a" });
  });

  it("requires spec as the descriptor says, else when its schema requires a field", () => {
    const required = (x: ReturnType<typeof apiCrd>): unknown =>
      get(x, "spec.versions.0.schema.openAPIV3Schema.required");
    expect(required(crd)).toEqual(["spec"]);
    expect(required(apiCrd(compile(set(baseDescriptor(), "spec.api.requireSpec", false))))).toBeUndefined();
    expect(required(configCrd(c))).toEqual(["spec"]);
    const loose = set(baseDescriptor(), "spec.config.schema.required", []);
    expect(required(configCrd(compile(loose)))).toBeUndefined();
    expect(required(configCrd(compile(set(loose, "spec.config.requireSpec", true))))).toEqual(["spec"]);
  });

  it("shapes the API status as openMCP's: observedGeneration and phase required, resources with location", () => {
    expect(status("required")).toEqual(["observedGeneration", "phase"]);
    expect(status("properties.resources.items.required")).toEqual(["kind", "name", "phase"]);
    expect(Object.keys(status("properties.resources.items.properties") as object)).toEqual([
      "apiGroup",
      "kind",
      "name",
      "namespace",
      "phase",
      "message",
      "location",
    ]);
    expect(status("required")).not.toContain("drift");
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
    expect(get(cfg, "spec.versions.0.subresources")).toEqual({ status: {} });
    const cfgStatus = get(cfg, "spec.versions.0.schema.openAPIV3Schema.properties.status") as {
      required: string[];
      properties: object;
    };
    expect(cfgStatus.required).toEqual(["observedGeneration", "phase"]);
    expect(Object.keys(cfgStatus.properties)).toEqual(["observedGeneration", "phase", "conditions"]);
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

describe("openMCP's exact CRD shapes", () => {
  const statusOf = (crd: ReturnType<typeof apiCrd>): Record<string, unknown> =>
    get(crd, "spec.versions.0.schema.openAPIV3Schema.properties.status") as Record<string, unknown>;

  it("applies statusSchemaPatch (RFC 7386) to the generated status, keeping spe's own fields", () => {
    const patch = {
      required: null,
      properties: {
        conditions: { "x-kubernetes-list-type": null, "x-kubernetes-list-map-keys": null },
        providerConfigRef: { required: null, properties: { name: { default: "" } } },
      },
    };
    const c = compile(set(baseDescriptor(), "spec.api.statusSchemaPatch", patch));
    const status = statusOf(apiCrd(c));
    expect(status.required).toBeUndefined();
    expect(get(status, "properties.conditions")).not.toHaveProperty("x-kubernetes-list-type");
    expect(get(status, "properties.conditions.items.required")).toContain("type");
    expect(get(status, "properties.providerConfigRef.required")).toBeUndefined();
    expect(get(status, "properties.providerConfigRef.properties.name")).toMatchObject({
      type: "string",
      default: "",
    });
    for (const key of ["observedGeneration", "phase", "resources", "drift", "units", "version"])
      expect(get(status, `properties.${key}`)).toBeDefined();
    // Without a patch, spe's own shape.
    expect(statusOf(apiCrd(compile())).required).toEqual(["observedGeneration", "phase"]);
  });

  it("patches the config's status too", () => {
    const c = compile(set(baseDescriptor(), "spec.config.statusSchemaPatch", { required: null }));
    const status = get(configCrd(c), "spec.versions.0.schema.openAPIV3Schema.properties.status") as object;
    expect(status).not.toHaveProperty("required");
    expect(get(status, "properties.phase.type")).toBe("string");
  });

  it("refuses a statusSchemaPatch that drops or retypes a field spe writes, or requires an undeclared one", () => {
    const issues = lintDoc(
      set(baseDescriptor(), "spec.api.statusSchemaPatch", {
        required: ["observedGeneration", "nope"],
        properties: { units: null, phase: { type: "integer" } },
      }),
    ).filter((i) => i.code === "status-schema-patch");
    expect(issues.map((i) => [i.path.join("."), i.message]).sort()).toEqual([
      [
        "spec.api.statusSchemaPatch.properties.phase",
        "status.phase is written by spe and must stay string; the CRD would prune it",
      ],
      [
        "spec.api.statusSchemaPatch.properties.units",
        "status.units is written by spe and must stay array; the CRD would prune it",
      ],
      ["spec.api.statusSchemaPatch.required", 'required field "nope" is not declared'],
    ]);
  });

  it("serves exactly the config schema with pollIntervalField: false", () => {
    const c = compile(set(baseDescriptor(), "spec.config.pollIntervalField", false));
    const props = get(configCrd(c), "spec.versions.0.schema.openAPIV3Schema.properties.spec.properties");
    expect(props).not.toHaveProperty("pollInterval");
    expect(
      get(configCrd(compile()), "spec.versions.0.schema.openAPIV3Schema.properties.spec.properties"),
    ).toHaveProperty("pollInterval");
  });

  it("reads format: duration as Go's (openMCP's pollInterval), not ISO 8601", () => {
    const own = { type: "string", format: "duration", default: "1m", description: "Poll interval." };
    const c = compile(set(baseDescriptor(), "spec.config.schema.properties.pollInterval", own));
    const cfg = (pollInterval: string): Record<string, unknown> => ({
      apiVersion: "sample.services.spe.dev/v1alpha1",
      kind: "ProviderConfig",
      metadata: { name: "sample" },
      spec: { versions: [], pollInterval },
    });
    for (const ok of ["1m", "1m30s", "1.5h", "300ms", "0"]) expect(validateConfig(c, cfg(ok))).toEqual([]);
    for (const bad of ["PT1M", "every minute", "1d", ""])
      expect(describeIssues(validateConfig(c, cfg(bad)))).toMatch(
        /pollInterval: must match format "duration"/,
      );
    expect(pollIntervalMs(c, cfg("1.5m"))).toBe(90_000);
    expect(pollIntervalMs(c, cfg("1h30m"))).toBe(5_400_000);
  });
});
