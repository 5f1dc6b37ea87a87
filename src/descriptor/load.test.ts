import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DescriptorError } from "./issues.js";
import { lintPaths } from "./lint.js";
import { loadDescriptors, loadFromConfigMap, parseDescriptor, safeParseDescriptors } from "./load.js";
import { baseDescriptor, toText } from "./test-helpers.js";

const broken = `apiVersion: spe.dev/v1alpha1
kind: ProviderDescriptor
metadata:
  name: broken
spec:
  api:
    group: a.b
    kind: A
    scope: Sideways
    versions: [{ name: v1, schema: {} }]
  config:
    schema: {}
  deploy:
    - name: x
      dependsOnn: []
      manifests: []
`;

describe("loading", () => {
  it("applies schema defaults", () => {
    const d = parseDescriptor(toText(baseDescriptor()), "mem.yaml", {
      reader: { read: () => ({ name: "", text: "" }) },
    });
    expect(d.spec.api.scope).toBe("Namespaced");
    expect(d.spec.config.kind).toBe("ProviderConfig");
    expect(d.spec.config.scope).toBe("Cluster");
    expect(d.spec.config.pollInterval).toBe("1m");
    expect(d.spec.target).toEqual({ cluster: "mcp", access: { openmcp: {} } });
    expect(d.spec.deletion).toEqual({ policy: "delete", blockWhileExist: [], crds: [] });
    expect(d.spec.readiness).toBe("kstatus");
  });

  it("reports schema errors at file:line:col with did-you-mean", () => {
    const { issues } = safeParseDescriptors(broken, "broken.yaml");
    const scope = issues.find((i) => i.path.join(".") === "spec.api.scope");
    expect(scope).toMatchObject({ file: "broken.yaml", line: 9, col: 12, code: "schema" });
    expect(scope?.message).toContain('"Namespaced", "Cluster"');
    const typo = issues.find((i) => i.message.includes("dependsOnn"));
    expect(typo).toMatchObject({ line: 15, col: 7 });
    expect(typo?.message).toContain('did you mean "dependsOn"');
  });

  it("reports YAML syntax errors with positions", () => {
    const { issues } = safeParseDescriptors("apiVersion: spe.dev/v1alpha1\nkind: [unclosed\n", "bad.yaml");
    expect(issues[0]).toMatchObject({ code: "yaml", file: "bad.yaml", line: expect.any(Number) as number });
  });

  it("reports an alias to an anchor defined nowhere as a YAML issue, not a crash", () => {
    const text = "apiVersion: spe.dev/v1alpha1\nkind: ProviderDescriptor\nspec: *integer\n";
    const { descriptors, issues } = safeParseDescriptors(text, "alias.yaml");
    expect(descriptors).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "yaml", file: "alias.yaml", line: 1 });
    expect(issues[0]?.message).toMatch(/alias/i);
  });

  it("parses multi-document YAML and ignores non-descriptor documents", () => {
    const text = `${toText(baseDescriptor())}---\nkind: ConfigMap\n---\n${toText({ ...baseDescriptor(), metadata: { name: "second" } })}`;
    const result = safeParseDescriptors(text, "multi.yaml", {
      reader: { read: () => ({ name: "", text: "" }) },
    });
    expect(result.issues).toEqual([]);
    expect(result.descriptors.map((d) => d.metadata.name)).toEqual(["sample", "second"]);
    expect(() => parseDescriptor(text, "multi.yaml")).toThrow(DescriptorError);
  });

  it("resolves $ref to sibling files and keeps their positions", () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-load-"));
    const doc = baseDescriptor() as { spec: { config: { schema: unknown } } };
    doc.spec.config.schema = { $ref: "./config.schema.yaml" };
    writeFileSync(join(dir, "descriptor.yaml"), toText(doc));
    writeFileSync(join(dir, "config.schema.yaml"), "type: object\nproperties:\n  versions:\n    type: 7\n");
    return lintPaths([dir]).then(async (issues) => {
      const bad = issues.find((i) => i.code === "invalid-schema");
      expect(bad?.file).toBe(join(dir, "config.schema.yaml"));
      expect(bad?.line).toBe(1);
      const good = (baseDescriptor() as { spec: { config: { schema: unknown } } }).spec.config.schema;
      writeFileSync(join(dir, "config.schema.yaml"), toText(good));
      const ok = await loadDescriptors([join(dir, "descriptor.yaml")]);
      expect(ok.issues).toEqual([]);
      expect(ok.descriptors[0]?.spec.config.schema).toMatchObject({ required: ["versions"] });
      expect(ok.descriptors[0]?.source.dir).toBe(dir);
      const located = ok.descriptors[0]?.source.positions.get(["spec", "config", "schema", "required"]);
      expect(located?.file).toBe(join(dir, "config.schema.yaml"));
    });
  });

  it("refuses $ref outside the descriptor's directory and $ref cycles", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-ref-"));
    mkdirSync(join(dir, "p"));
    const doc = baseDescriptor() as { spec: { config: { schema: unknown } } };
    doc.spec.config.schema = { $ref: "../outside.yaml" };
    writeFileSync(join(dir, "outside.yaml"), "type: object\n");
    writeFileSync(join(dir, "p", "descriptor.yaml"), toText(doc));
    const out = await loadDescriptors([join(dir, "p")]);
    expect(out.issues[0]).toMatchObject({ code: "ref", file: join(dir, "p", "descriptor.yaml") });
    expect(out.issues[0]?.message).toContain("leaves the descriptor's directory");
    doc.spec.config.schema = { $ref: "./a.yaml" };
    writeFileSync(join(dir, "p", "descriptor.yaml"), toText(doc));
    writeFileSync(join(dir, "p", "a.yaml"), "$ref: ./a.yaml\n");
    const cyc = await loadDescriptors([join(dir, "p")]);
    expect(cyc.issues.some((i) => i.message.includes("cycle"))).toBe(true);
  });

  it("reports missing paths as io issues", async () => {
    const out = await loadDescriptors(["/nonexistent/spe"]);
    expect(out.issues[0]?.code).toBe("io");
  });

  it("loads from ConfigMap data with $ref to other keys", () => {
    const doc = baseDescriptor() as { spec: { config: { schema: unknown } } };
    const schema = doc.spec.config.schema;
    doc.spec.config.schema = { $ref: "./config.schema.yaml" };
    const result = loadFromConfigMap({
      metadata: { name: "sample", namespace: "spe-system" },
      data: { "descriptor.yaml": toText(doc), "config.schema.yaml": toText(schema) },
    });
    expect(result.issues).toEqual([]);
    expect(result.descriptors[0]?.source.file).toBe("configmap:spe-system/sample/descriptor.yaml");
    const missing = loadFromConfigMap({
      metadata: { name: "x" },
      data: {
        "d.yaml": toText({ ...doc, spec: { ...doc.spec, config: { schema: { $ref: "./nope.yaml" } } } }),
      },
    });
    expect(missing.issues[0]?.code).toBe("ref");
  });
});

describe("descriptor ConfigMaps in files", () => {
  it("loads ConfigMaps labelled spe.dev/descriptor=true from YAML files", () => {
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "sample", namespace: "spe-system", labels: { "spe.dev/descriptor": "true" } },
      data: {
        "descriptor.yaml": toText({
          ...baseDescriptor(),
          spec: { ...(baseDescriptor().spec as object), api: "x" },
        }),
      },
    };
    const result = safeParseDescriptors(toText(cm), "deploy/cm.yaml");
    expect(result.descriptors).toEqual([]);
    expect(result.issues[0]).toMatchObject({
      file: "deploy/cm.yaml#configmap/spe-system/sample/descriptor.yaml",
      code: "schema",
    });
    const ok = safeParseDescriptors(
      toText({ ...cm, data: { "descriptor.yaml": toText(baseDescriptor()) } }),
      "deploy/cm.yaml",
    );
    expect(ok.issues).toEqual([]);
    expect(ok.descriptors).toHaveLength(1);
  });
});
