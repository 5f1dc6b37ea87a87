import { describe, expect, it } from "vitest";
import { renderOffline } from "./harness.js";
import { isInvalidInput, isExpressionBug, isDataPending, RenderError } from "./issues.js";
import { renderAvailable, renderPlan, renderUnit, unitEnabled } from "./render.js";
import { baseDescriptor, compile, lintDoc, sampleApi, sampleConfig, set } from "./test-helpers.js";

const deploy = {
  core: {
    release: {
      name: "core",
      namespace: "sample-system",
      chartName: "sample",
      chartVersion: "1.2.3",
      revision: 1,
    },
    objects: [],
    ready: true,
  },
};
const ctx = { api: sampleApi, config: sampleConfig, deploy };

function renderError(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error("expected a RenderError");
}

describe("$forEach maps", () => {
  const d = set(baseDescriptor(), "spec.deploy.0.helm.values.initContainers", {
    $forEach: "${api.spec.plugins ?? []}",
    $item: {
      name: "plugin-${each.name}",
      version: '${each.version ?? "latest"}',
      args: ["--for=${api.metadata.name}"],
    },
  });

  it("render the item once per list entry, with each bound to it", () => {
    const plan = renderUnit(compile(d), "core", ctx);
    expect(plan.type === "helm" && plan.helm.values.initContainers).toEqual([
      { name: "plugin-a", version: "1", args: ["--for=mcp-a"] },
      { name: "plugin-b", version: "latest", args: ["--for=mcp-a"] },
    ]);
    const none = renderUnit(compile(d), "core", {
      ...ctx,
      api: { ...sampleApi, spec: { version: "1.2", replicas: 1 } },
    });
    expect(none.type === "helm" && none.helm.values.initContainers).toEqual([]);
  });

  it("nest, the inner each shadowing the outer", () => {
    const nested = set(baseDescriptor(), "spec.status.matrix", {
      $forEach: "${api.spec.plugins}",
      $item: { $forEach: '${["x", "y"]}', $item: "${each}" },
    });
    const c = compile(nested);
    expect(renderOffline(c, { api: sampleApi, config: sampleConfig }).status.matrix).toEqual([
      ["x", "y"],
      ["x", "y"],
    ]);
  });

  it("refuse a list that is not one, blaming the user for api data", () => {
    const bad = { ...sampleApi, spec: { ...sampleApi.spec, plugins: { a: 1 } } };
    const err = renderError(() => renderUnit(compile(d), "core", { ...ctx, api: bad }));
    expect(isInvalidInput(err)).toBe(true);
    expect(err.issues[0]?.code).toBe("foreach-not-list");
  });

  it("are checked by lint: shape, each only inside $item, the item's paths", () => {
    const shape = lintDoc(
      set(baseDescriptor(), "spec.status.x", { $forEach: "${api.spec.plugins ?? []}", $item: 1, y: 2 }),
    );
    expect(shape.find((i) => i.code === "template-directive")?.message).toContain(
      "exactly the keys $forEach and $item",
    );
    const outside = lintDoc(
      set(baseDescriptor(), "spec.status.x", { $forEach: "${api.spec.plugins ?? []}", $item: 1 }),
    );
    expect(outside.filter((i) => i.severity === "error")).toEqual([]);
    const typo = lintDoc(
      set(structuredClone(d), "spec.deploy.0.helm.values.initContainers.$item.name", "${each.nmae}"),
    );
    expect(typo.find((i) => i.code === "unknown-path")?.message).toContain('did you mean "name"');
    const notList = lintDoc(
      set(baseDescriptor(), "spec.status.x", { $forEach: "${api.spec.version}", $item: 1 }),
    );
    expect(notList.find((i) => i.code === "argument-type")?.message).toContain(
      "api.spec.version is string, not a list",
    );
  });
});

describe("$merge", () => {
  const d = set(baseDescriptor(), "spec.deploy.0.helm.values", {
    $merge: [
      { replicas: 1, image: { tag: "${api.spec.version}", pullPolicy: "IfNotPresent" } },
      "${api.spec.values ?? {}}",
    ],
  });

  it("deep-merges the descriptor's values with later ones (the operator's) winning", () => {
    const api = {
      ...sampleApi,
      spec: { ...sampleApi.spec, values: { replicas: 5, image: { pullPolicy: "Always" } } },
    };
    const plan = renderUnit(compile(d), "core", { ...ctx, api });
    expect(plan.type === "helm" && plan.helm.values).toEqual({
      replicas: 5,
      image: { tag: "1.2", pullPolicy: "Always" },
    });
  });

  it("refuses an item that is not an object", () => {
    const api = { ...sampleApi, spec: { ...sampleApi.spec, values: "replicas: 5" } };
    const err = renderError(() => renderUnit(compile(d), "core", { ...ctx, api }));
    expect(isInvalidInput(err)).toBe(true);
    expect(err.issues[0]?.code).toBe("merge-not-object");
    expect(lintDoc(set(baseDescriptor(), "spec.status.x", { $merge: [] })).map((i) => i.code)).toContain(
      "template-directive",
    );
  });
});

describe("when", () => {
  const d = set(baseDescriptor(), "spec.deploy.1.when", "${has(api.spec.plugins)}");

  it("leaves a unit out of the plan while it yields false", () => {
    const c = compile(d);
    expect(unitEnabled(c, "plugins", ctx)).toBe(true);
    const without = { ...ctx, api: { ...sampleApi, spec: { version: "1.2", replicas: 1 } } };
    expect(unitEnabled(c, "plugins", without)).toBe(false);
    expect(renderPlan(c, without).map((p) => p.name)).toEqual(["core"]);
    expect(renderAvailable(c, without).plans.map((p) => p.name)).toEqual(["core"]);
    expect(renderOffline(c, without).units.map((p) => p.name)).toEqual(["core"]);
    expect(unitEnabled(c, "core", without)).toBe(true);
  });

  it("must yield a boolean: user data of another type is the user's to fix", () => {
    const c = compile(set(baseDescriptor(), "spec.deploy.1.when", "${api.spec.version}"));
    const err = renderError(() => unitEnabled(c, "plugins", ctx));
    expect(isInvalidInput(err)).toBe(true);
    expect(err.message).toContain('when yields "1.2", not true or false');
    const literal = compile(set(baseDescriptor(), "spec.deploy.1.when", '${"yes"}'));
    expect(isExpressionBug(renderError(() => unitEnabled(literal, "plugins", ctx)))).toBe(true);
  });

  it("waits for deploy outputs it reads", () => {
    const c = compile(set(baseDescriptor(), "spec.deploy.1.when", "${deploy.core.ready}"));
    expect(
      isDataPending(renderError(() => unitEnabled(c, "plugins", { api: sampleApi, config: sampleConfig }))),
    ).toBe(true);
  });

  it("guards the optional paths it checks with has(), for lint", () => {
    const uses = set(baseDescriptor(), "spec.deploy.1.manifests.0.data.plugins", "${api.spec.plugins}");
    expect(lintDoc(uses).map((i) => i.code)).toContain("optional-without-default");
    expect(lintDoc(set(uses, "spec.deploy.1.when", "${and(has(api.spec.plugins), true)}"))).toEqual([]);
  });
});
