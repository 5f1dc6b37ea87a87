import { describe, expect, it } from "vitest";
import type { Issue } from "./issues.js";
import { lintLoaded } from "./lint.js";
import { safeParseDescriptors } from "./load.js";
import { configMapReader } from "./refs.js";
import { baseDescriptor, lintDoc, set, toText, unset } from "./test-helpers.js";

type Fixture = (d: Record<string, unknown>) => unknown;

/** Each rule: a change that triggers it; the unchanged base must be clean. */
const RULES: Record<string, Fixture> = {
  schema: (d) => set(d, "spec.api.scope", "Sideways"),
  "unknown-plugin-kind": (d) => set(d, "spec.deploy.1.kustomize", {}),
  "invalid-group": (d) => set(d, "spec.api.group", "nodots"),
  "invalid-kind": (d) => set(d, "spec.api.kind", "lower"),
  "invalid-name": (d) => set(d, "spec.api.plural", "Samples"),
  "invalid-version": (d) => set(d, "spec.api.versions.0.name", "version1"),
  "duplicate-name": (d) => set(d, "spec.deploy.1.name", "core"),
  "unknown-dependency": (d) => set(d, "spec.deploy.1.dependsOn", ["coer"]),
  "dag-cycle": (d) => set(d, "spec.deploy.0.dependsOn", ["plugins"]),
  "unit-kind": (d) => set(d, "spec.deploy.1.helm", { chart: { path: "./x" } }),
  "chart-source": (d) => set(d, "spec.deploy.0.helm.chart.oci", "oci://x/y"),
  "chart-repo": (d) => set(d, "spec.deploy.0.helm.chart.repo", "file://../charts"),
  "missing-namespace": (d) => unset(d, "spec.deploy.0.namespace"),
  "foreach-helm": (d) => set(d, "spec.deploy.0.forEach", "${api.spec.plugins ?? []}"),
  "foreach-expression": (d) => set(d, "spec.deploy.1.forEach", "list-${api.spec.version}"),
  "expression-syntax": (d) => set(d, "spec.deploy.0.helm.values.x", "${api.spec[}"),
  "expression-root": (d) => set(d, "spec.deploy.0.helm.values.x", "${each.name}"),
  "deploy-ref": (d) => set(d, "spec.deploy.0.helm.values.x", "${deploy.plugins.ready}"),
  "reserved-status-key": (d) => set(d, "spec.status.phase", "x"),
  "unknown-path": (d) => set(d, "spec.deploy.0.helm.values.x", "${api.spec.versoin}"),
  "optional-without-default": (d) => set(d, "spec.deploy.0.helm.values.x", "${api.spec.plugins}"),
  "missing-description": (d) => set(d, "spec.api.versions.0.schema.properties.extra", { type: "string" }),
  "kind-clash": (d) => set(d, "spec.config.kind", "Sample"),
  "crd-label": (d) => set(d, "spec.api.crdLabels", { "openmcp.cloud/cluster": "mcp" }),
  "printer-column": (d) =>
    set(d, "spec.api.printerColumns", [{ name: "Version", jsonPath: ".spec.versoin" }]),
  "template-directive": (d) =>
    set(d, "spec.deploy.0.helm.values.x", { $forEach: "${api.spec.plugins ?? []}", name: "${each.name}" }),
  "when-expression": (d) => set(d, "spec.deploy.1.when", "yes"),
  "status-schema-patch": (d) => set(d, "spec.api.statusSchemaPatch", { properties: { units: null } }),
  "config-resolve": (d) =>
    set(d, "spec.config.resolve", { name: "x", selector: { matchLabels: { a: "b" } } }),
  "argument-type": (d) => set(d, "spec.deploy.0.helm.values.x", "${merge(api.spec.version)}"),
  "values-expression": (d) => set(d, "spec.deploy.0.helm.values", "replicas: 3"),
  "source-namespace": (d) => set(d, "spec.deploy.0.helm.chart.secretRef", { name: "pull" }),
  "invalid-schema": (d) => set(d, "spec.config.schema.properties.registry.type", 7),
  "copy-key": (d) => set(d, "spec.deploy.1", copyUnit({ keys: [{ from: "ca.crt", to: "a b" }] })),
  "copy-source-from-api": (d) => set(d, "spec.deploy.1", copyUnit({ from: { name: "${api.spec.version}" } })),
  "token-lifetime": (d) => set(d, "spec.deploy.1", tokenUnit({ lifetime: "48h" })),
  "token-from-api": (d) =>
    set(d, "spec.deploy.1", tokenUnit({ serviceAccount: { namespace: "a", name: "${api.spec.version}" } })),
  "storage-version": (d) =>
    set(d, "spec.api.versions", [
      { ...(d as { spec: { api: { versions: object[] } } }).spec.api.versions[0], storage: true },
      { name: "v1alpha2", storage: true, schema: { type: "object" } },
    ]),
};

/** A copy unit in place of the base's manifests unit, changed by `over`. */
function copyUnit(over: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "plugins",
    namespace: "sample-system",
    copy: { sourceNamespaces: ["spe-system"], from: { name: "pull-secret" }, ...over },
  };
}

/** A token unit in place of the base's manifests unit, changed by `over`. */
function tokenUnit(over: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "plugins",
    namespace: "sample-system",
    token: { serviceAccount: { namespace: "a", name: "b" }, secret: { name: "t" }, ...over },
  };
}

function codes(issues: Issue[]): string[] {
  return issues.map((i) => i.code);
}

describe("lint rules", () => {
  it("finds nothing in the clean base descriptor", () => {
    expect(lintDoc(baseDescriptor())).toEqual([]);
  });

  for (const [rule, fixture] of Object.entries(RULES)) {
    it(`${rule}: reports the failing fixture with a position`, () => {
      const issues = lintDoc(fixture(baseDescriptor()));
      const hit = issues.find((i) => i.code === rule);
      expect(hit, `${rule} not in ${codes(issues).join(", ")}`).toBeDefined();
      expect(hit?.file).toBe("mem/descriptor.yaml");
      expect(hit?.line).toBeGreaterThan(0);
    });
  }

  it("copy units: a clean one, and what source-namespace and missing-namespace refuse", () => {
    expect(lintDoc(set(baseDescriptor(), "spec.deploy.1", copyUnit({})))).toEqual([]);
    const messages = (over: Record<string, unknown>): string[] =>
      lintDoc(set(baseDescriptor(), "spec.deploy.1", copyUnit(over)))
        .filter((i) => i.code === "source-namespace")
        .map((i) => `${i.line}:${i.col} ${i.message}`);
    expect(messages({ from: { name: "x", namespace: "kube-system" } })).toEqual([
      expect.stringMatching(
        /^\d+:\d+ source namespace "kube-system" is not one of sourceNamespaces \(spe-system\)$/,
      ),
    ]);
    expect(messages({ sourceNamespaces: ["Bad_NS", "spe-system", "spe-system"] })).toEqual([
      expect.stringContaining('"Bad_NS" is not a valid namespace name'),
      expect.stringContaining('"spe-system" is listed twice'),
    ]);
    const noNamespace = { name: "plugins", copy: { sourceNamespaces: ["spe-system"], from: { name: "x" } } };
    expect(codes(lintDoc(set(baseDescriptor(), "spec.deploy.1", noNamespace)))).toContain(
      "missing-namespace",
    );
    const fromEach = set(baseDescriptor(), "spec.deploy.1", {
      ...copyUnit({ from: { name: "${each.name}" } }),
      forEach: "${api.spec.plugins ?? []}",
    });
    expect(codes(lintDoc(fromEach))).toEqual(["copy-source-from-api"]);
  });

  it("yaml: reports syntax errors", () => {
    expect(codes(lintDoc("apiVersion: spe.dev/v1alpha1\nkind: [x\n"))).toContain("yaml");
  });

  it("no-descriptor: a file without a descriptor", () => {
    expect(codes(lintDoc("kind: ConfigMap\n"))).toEqual(["no-descriptor"]);
  });

  it("ref: an unresolvable $ref", () => {
    const d = set(baseDescriptor(), "spec.config.schema", { $ref: "./missing.yaml" });
    expect(codes(lintDoc(d))).toContain("ref");
  });

  it("suggests the closest name", () => {
    const unknown = lintDoc(RULES["unknown-path"]!(baseDescriptor())).find((i) => i.code === "unknown-path");
    expect(unknown?.message).toContain('did you mean "version"');
    const dep = lintDoc(RULES["unknown-dependency"]!(baseDescriptor())).find(
      (i) => i.code === "unknown-dependency",
    );
    expect(dep?.message).toContain('did you mean "core"');
    const kind = lintDoc(set(baseDescriptor(), "spec.deploy.1.helmm", {})).find(
      (i) => i.code === "unknown-plugin-kind",
    );
    expect(kind?.message).toContain('did you mean "helm"');
  });

  it("checks select keys and paths through forEach items", () => {
    const d = set(
      baseDescriptor(),
      "spec.deploy.0.helm.chart.version",
      "${config.spec.versions[versoin=api.spec.version].chartVersion}",
    );
    expect(lintDoc(d).find((i) => i.code === "unknown-path")?.message).toContain('did you mean "version"');
    const each = set(baseDescriptor(), "spec.deploy.1.manifests.0.metadata.name", "${each.nmae}");
    expect(lintDoc(each).find((i) => i.code === "unknown-path")?.message).toContain('did you mean "name"');
  });

  it("knows deploy outputs by unit type", () => {
    const d = set(baseDescriptor(), "spec.status.x", "${deploy.plugins.release.name}");
    expect(lintDoc(d).find((i) => i.code === "unknown-path")?.message).toContain('no field "release"');
  });

  it("crd-label: label syntax, and a missing routing label is a warning", () => {
    const bad = lintDoc(set(baseDescriptor(), "spec.config.crdLabels", { "a b": "x", ok: "-no-" }));
    expect(
      bad
        .filter((i) => i.code === "crd-label")
        .map((i) => i.severity)
        .sort(),
    ).toEqual(["error", "error", "warning"]);
    const missing = lintDoc(set(baseDescriptor(), "spec.api.crdLabels", { team: "a" }));
    expect(missing.find((i) => i.code === "crd-label")?.message).toContain("openmcp.cloud/cluster");
  });

  it("config-resolve: name with selector, label syntax, values of operators; ref is optional by nature", () => {
    const messages = (resolve: object): string[] =>
      lintDoc(set(baseDescriptor(), "spec.config.resolve", resolve))
        .filter((i) => i.code === "config-resolve" || i.code === "optional-without-default")
        .map((i) => `${i.line}:${i.col} ${i.message}`);
    expect(messages({ name: "x", selector: { matchLabels: { a: "b" } } })).toEqual([
      expect.stringMatching(/^\d+:\d+ name and selector both choose the config/),
    ]);
    expect(messages({ selector: { matchLabels: { "a b": "c", ok: "-no-" } } })).toEqual([
      expect.stringContaining('label key "a b"'),
      expect.stringContaining('label value "-no-"'),
    ]);
    expect(
      messages({
        selector: {
          matchExpressions: [
            { key: "tier", operator: "In" },
            { key: "tier", operator: "Exists", values: ["x"] },
          ],
        },
      }),
    ).toEqual([
      expect.stringContaining("In needs values"),
      expect.stringContaining("Exists takes no values"),
    ]);
    expect(
      messages({
        ref: "${api.spec.plugins}",
        selector: { matchLabels: { "example.com/providertype": "default" } },
      }),
    ).toEqual([]);
  });

  it("printer-column: unknown built-ins, duplicates, paths and status fields", () => {
    const messages = (columns: object[]): string[] =>
      lintDoc(set(baseDescriptor(), "spec.api.printerColumns", columns))
        .filter((i) => i.code === "printer-column")
        .map((i) => i.message);
    expect(messages([{ name: "Version" }])).toEqual([expect.stringContaining("not a built-in column")]);
    expect(messages([{ name: "Age" }, { name: "Age" }])).toEqual(['duplicate column "Age"']);
    expect(messages([{ name: "V", jsonPath: "spec.version" }])).toEqual([
      expect.stringContaining('start with "."'),
    ]);
    expect(messages([{ name: "V", jsonPath: ".spec.versoin" }])[0]).toContain('did you mean "version"');
    expect(messages([{ name: "P", jsonPath: ".status.phsae" }])[0]).toContain('did you mean "phase"');
    expect(messages([{ name: "C", jsonPath: ".status.chartVersion" }, { name: "Ready" }])).toEqual([]);
  });

  it("source-namespace: chart references need sourceNamespaces, literal names, and stay inside them", () => {
    const messages = (chart: object, sourceNamespaces?: unknown): string[] => {
      const d = set(baseDescriptor(), "spec.deploy.0.helm.chart.caBundleRef", chart);
      const issues = lintDoc(
        sourceNamespaces === undefined ? d : set(d, "spec.deploy.0.helm.sourceNamespaces", sourceNamespaces),
      );
      return issues
        .filter((i) => i.code === "source-namespace")
        .map((i) => `${i.line}:${i.col} ${i.message}`);
    };
    expect(messages({ name: "ca", key: "ca.crt" })[0]).toContain("needs helm.sourceNamespaces");
    expect(messages({ name: "ca", key: "ca.crt" }, ["spe-system"])).toEqual([]);
    expect(messages({ name: "ca", key: "ca.crt", namespace: "kube-system" }, ["spe-system"])).toEqual([
      expect.stringMatching(/^\d+:\d+ chart.caBundleRef.namespace "kube-system" is not one of/),
    ]);
    expect(messages({ name: "ca", key: "ca.crt" }, ["${config.spec.registry}"])[0]).toContain("never mapped");
  });

  it("expression-root: chart references map the config only, never the end user's API object", () => {
    const d = set(
      set(baseDescriptor(), "spec.deploy.0.helm.sourceNamespaces", ["spe-system"]),
      "spec.deploy.0.helm.chart.secretRef",
      { name: "${api.spec.version}" },
    );
    const hit = lintDoc(d).find((i) => i.code === "expression-root");
    expect(hit?.message).toContain("${api.spec.version}: chart.secretRef may only take values from config");
    const fromConfig = set(d, "spec.deploy.0.helm.chart.secretRef.name", "${config.spec.registry}");
    expect(lintDoc(fromConfig)).toEqual([]);
    // The API object may choose among the config's entries.
    const selected = set(
      d,
      "spec.deploy.0.helm.chart.secretRef.name",
      "${config.spec.versions[version=api.spec.version].chartVersion}",
    );
    expect(lintDoc(selected)).toEqual([]);
  });

  it("duplicate-name: two descriptors with the same name or API kind", () => {
    const text = `${toText(baseDescriptor())}---\n${toText(baseDescriptor())}`;
    const issues = lintLoaded(safeParseDescriptors(text, "two.yaml", { reader: configMapReader({}, "mem") }));
    expect(codes(issues).filter((c) => c === "duplicate-name")).toHaveLength(2);
  });
});
