import { describe, expect, it } from "vitest";
import { renderOffline } from "./harness.js";
import {
  applyDefaults,
  describeIssues,
  pollIntervalMs,
  resolveConfigRef,
  resolveTargetAccess,
  validateApiObject,
  validateConfig,
} from "./inputs.js";
import { isDataPending, isInvalidInput, RenderError } from "./issues.js";
import type { UnitOutputs } from "./plan.js";
import { projectStatus, renderAvailable, renderPlan, renderUnit } from "./render.js";
import { baseDescriptor, compile, sampleApi, sampleConfig, set } from "./test-helpers.js";

const core: UnitOutputs = {
  release: {
    name: "core",
    namespace: "sample-system",
    chartName: "sample",
    chartVersion: "1.2.3",
    revision: 1,
  },
  objects: [],
  ready: true,
};
const ctx = { api: sampleApi, config: sampleConfig, deploy: { core } };

function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error("expected a RenderError");
}

describe("compile", () => {
  it("orders units topologically and exposes engine settings", () => {
    const d = set(baseDescriptor(), "spec.deploy", [
      ...(baseDescriptor().spec as { deploy: object[] }).deploy.slice(1),
      ...(baseDescriptor().spec as { deploy: object[] }).deploy.slice(0, 1),
    ]);
    set(d, "spec.deletion", {
      policy: "orphan",
      blockWhileExist: [{ group: "x.io", kind: "Bucket" }],
      crds: ["buckets.x.io"],
    });
    const c = compile(d);
    expect(c.units.map((u) => u.name)).toEqual(["core", "plugins"]);
    expect(c.deletion).toEqual({
      policy: "orphan",
      blockWhileExist: [{ group: "x.io", kind: "Bucket" }],
      crds: ["buckets.x.io"],
    });
    expect(c.units[0]?.deletionPolicy).toBe("orphan");
    expect(c.finalizer).toBe("sample.services.spe.dev/finalizer");
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.units[0])).toBe(true);
  });
});

describe("render", () => {
  it("renders helm units with final values and chart coordinates", () => {
    const plan = renderUnit(compile(), "core", ctx);
    expect(plan).toEqual({
      name: "core",
      target: "mcp",
      type: "helm",
      dependsOn: [],
      deletionPolicy: "delete",
      readiness: { kind: "kstatus" },
      helm: {
        releaseName: "core",
        namespace: "sample-system",
        createNamespace: true,
        adopt: "ifUnowned",
        chart: { repo: "https://charts.invalid", name: "sample", version: "1.2.3" },
        values: { replicas: 2, image: "registry.invalid/sample:1.2" },
      },
    });
  });

  it("refuses a mapped chart repository that is not http(s) as invalid input, pointing at chart.path", () => {
    const d = set(baseDescriptor(), "spec.deploy.0.helm.chart.repo", "${config.spec.registry}");
    const config = { ...sampleConfig, spec: { ...sampleConfig.spec, registry: "file://../charts" } };
    const err = renderError(() => renderUnit(compile(d), "core", { ...ctx, config }));
    expect(err.failure).toBe("invalid-input");
    expect(err.issues[0]?.code).toBe("chart-repo");
    expect(err.message).toMatch(/"file:\/\/\.\.\/charts" is not an http\(s\) URL.*chart\.path/);
    const ok = { ...sampleConfig, spec: { ...sampleConfig.spec, registry: "https://charts.invalid" } };
    expect(renderUnit(compile(d), "core", { ...ctx, config: ok }).type).toBe("helm");
  });

  it("adopts unowned objects unless the unit says never", () => {
    const d = set(baseDescriptor(), "spec.deploy.0.helm.adopt", "never");
    const plan = renderUnit(compile(d), "core", ctx);
    expect(plan.type === "helm" && plan.helm.adopt).toBe("never");
  });

  it("renders forEach manifests into the unit's namespace", () => {
    const plan = renderUnit(compile(), "plugins", ctx);
    expect(plan.type === "manifests" && plan.manifests).toEqual([
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "plugin-a", namespace: "sample-system" },
        data: { version: "1", core: "1.2.3" },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "plugin-b", namespace: "sample-system" },
        data: { version: "latest", core: "1.2.3" },
      },
    ]);
  });

  it("is deterministic", () => {
    const c = compile();
    expect(renderPlan(c, ctx)).toEqual(renderPlan(c, ctx));
  });

  it("reports an unknown version as not offered", () => {
    const err = renderError(() =>
      renderPlan(compile(), { ...ctx, api: { ...sampleApi, spec: { version: "2.0" } } }),
    );
    expect(isInvalidInput(err)).toBe(true);
    expect(err.message).toContain("version 2.0 is not offered (config.spec.versions); offered: 1.2, 1.3");
  });

  it("refuses namespaces the descriptor does not allow", () => {
    const d = set(baseDescriptor(), "spec.deploy.1.manifests.0.metadata.namespace", "${each.name}");
    const err = renderError(() => renderUnit(compile(d), "plugins", ctx));
    expect(err.issues[0]?.code).toBe("namespace-not-allowed");
    set(d, "spec.deploy.1.namespaces", ["a", "b"]);
    expect(() => renderUnit(compile(d), "plugins", ctx)).not.toThrow();
  });

  it("refuses invalid namespace names from user data", () => {
    const d = set(baseDescriptor(), "spec.deploy.0.namespace", "${api.spec.version}");
    expect(renderError(() => renderUnit(compile(d), "core", ctx)).issues[0]?.code).toBe("invalid-namespace");
  });

  it("does not give cluster-scoped kinds a namespace", () => {
    const d = set(baseDescriptor(), "spec.deploy.1.manifests.0.kind", "ClusterRole");
    const plan = renderUnit(compile(d), "plugins", ctx);
    expect(plan.type === "manifests" && plan.manifests[0]?.metadata.namespace).toBeUndefined();
  });

  it("reports objects rendered twice", () => {
    const api = { ...sampleApi, spec: { ...sampleApi.spec, plugins: [{ name: "a" }, { name: "a" }] } };
    expect(renderError(() => renderUnit(compile(), "plugins", { ...ctx, api })).issues[0]?.code).toBe(
      "duplicate-object",
    );
  });

  it("yields a typed pending error for outputs of units not deployed yet", () => {
    const c = compile();
    expect(
      isDataPending(renderError(() => renderUnit(c, "plugins", { api: sampleApi, config: sampleConfig }))),
    ).toBe(true);
    const partial = renderAvailable(c, { api: sampleApi, config: sampleConfig });
    expect(partial.plans.map((p) => p.name)).toEqual(["core"]);
    expect(partial.pending.map((p) => p.unit)).toEqual(["plugins"]);
  });

  it("projects status, leaving out pending fields", () => {
    const c = compile();
    expect(projectStatus(c, { api: sampleApi, config: sampleConfig })).toEqual({ version: "1.2" });
    expect(projectStatus(c, ctx)).toEqual({ version: "1.2", chartVersion: "1.2.3" });
  });

  it("renders offline with simulated outputs", () => {
    const out = renderOffline(compile(), { api: sampleApi, config: sampleConfig });
    expect(out.units).toHaveLength(2);
    expect(out.status).toEqual({ version: "1.2", chartVersion: "1.2.3" });
  });
});

describe("inputs", () => {
  it("validates API objects with JSON paths", () => {
    const c = compile();
    expect(validateApiObject(c, sampleApi)).toEqual([]);
    const issues = validateApiObject(c, { ...sampleApi, spec: { version: 1 } });
    expect(describeIssues(issues)).toBe("spec.version: must be string");
    expect(describeIssues(validateApiObject(c, { ...sampleApi, apiVersion: "x/v1" }))).toContain(
      "apiVersion: must be one of sample.services.spe.dev/v1alpha1",
    );
    expect(describeIssues(validateApiObject(c, { ...sampleApi, spec: {} }))).toBe(
      'spec: missing required field "version"',
    );
  });

  it("validates configs", () => {
    const c = compile();
    expect(validateConfig(c, sampleConfig)).toEqual([]);
    expect(describeIssues(validateConfig(c, { ...sampleConfig, spec: { versions: "x" } }))).toBe(
      "spec.versions: must be array",
    );
  });

  it("resolves the config by the provider's name, or by a mapping", () => {
    expect(resolveConfigRef(compile(), sampleApi)).toEqual({ name: "sample" });
    const d = set(baseDescriptor(), "spec.config.resolve", { name: "${api.metadata.namespace}-config" });
    expect(resolveConfigRef(compile(d), sampleApi)).toEqual({ name: "tenant-a-config" });
  });

  it("takes the poll interval from the config, else the descriptor", () => {
    const c = compile();
    expect(pollIntervalMs(c)).toBe(60_000);
    expect(pollIntervalMs(c, { spec: { pollInterval: "1m30s" } })).toBe(90_000);
    expect(pollIntervalMs(c, { spec: { pollInterval: "soon" } })).toBe(60_000);
  });

  it("resolves target access", () => {
    expect(resolveTargetAccess(compile(), ctx)).toEqual({
      kind: "openmcp",
      name: "mcp-a",
      namespace: "tenant-a",
    });
    const d = set(baseDescriptor(), "spec.target", {
      access: {
        kubeconfigSecret: { namespace: "${api.metadata.namespace}", name: "${api.metadata.name}-kc" },
      },
    });
    expect(resolveTargetAccess(compile(d), ctx)).toEqual({
      kind: "kubeconfigSecret",
      name: "mcp-a-kc",
      namespace: "tenant-a",
      key: "kubeconfig",
    });
  });

  it("applies schema defaults without touching the input", () => {
    const api = { ...sampleApi, spec: { version: "1.2" } };
    expect((applyDefaults(compile(), "api", api).spec as { replicas: number }).replicas).toBe(1);
    expect(api.spec).toEqual({ version: "1.2" });
  });
});
