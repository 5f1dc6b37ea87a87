import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scope } from "./evaluate.js";
import { isDataPending, isExpressionBug, isInvalidInput, RenderError, type Issue } from "./issues.js";
import { compileTemplate, renderNode } from "./template.js";

function render(value: unknown, scope: Partial<Scope>): unknown {
  const errors: Issue[] = [];
  const t = compileTemplate(value, [], errors);
  expect(errors).toEqual([]);
  return renderNode(t.node, { api: {}, config: {}, ...scope });
}

function failure(fn: () => unknown): RenderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RenderError) return err;
    throw err;
  }
  throw new Error("expected a RenderError");
}

const api = {
  metadata: { name: "mcp-a", namespace: "tenant-a" },
  spec: { version: "1.2", replicas: 3, on: true, list: [1, 2], obj: { a: 1 }, nothing: null },
};
const config = {
  spec: {
    versions: [
      { version: "1.2", chart: "1.2.3" },
      { version: 1.3, chart: "1.3.0" },
    ],
  },
};

describe("mapping language", () => {
  it("keeps the type of a whole-value expression", () => {
    expect(render("${api.spec.replicas}", { api })).toBe(3);
    expect(render("${api.spec.on}", { api })).toBe(true);
    expect(render("${api.spec.list}", { api })).toEqual([1, 2]);
    expect(render("${api.spec.obj}", { api })).toEqual({ a: 1 });
  });

  it("interpolates inside longer strings", () => {
    expect(render("${api.metadata.namespace}/${api.metadata.name}:${api.spec.replicas}", { api })).toBe(
      "tenant-a/mcp-a:3",
    );
  });

  it("copies inserted values so output never aliases the context", () => {
    const out = render({ v: "${api.spec.obj}" }, { api }) as { v: { a: number } };
    out.v.a = 99;
    expect(api.spec.obj.a).toBe(1);
  });

  it("leaves keys literal, even when they look like expressions", () => {
    expect(render({ "${api.spec.version}": "x" }, { api })).toEqual({ "${api.spec.version}": "x" });
  });

  it("selects list items by key, comparing as text", () => {
    expect(render("${config.spec.versions[version=api.spec.version].chart}", { api, config })).toBe("1.2.3");
    expect(render('${config.spec.versions[version="1.3"].chart}', { api, config })).toBe("1.3.0");
  });

  it("says which values are offered when a select finds nothing", () => {
    const err = failure(() =>
      render("${config.spec.versions[version=api.spec.version].chart}", {
        api: { spec: { version: "9" } },
        config,
      }),
    );
    expect(isInvalidInput(err)).toBe(true);
    expect(err.issues[0]?.code).toBe("not-offered");
    expect(err.message).toContain("version 9 is not offered (config.spec.versions); offered: 1.2, 1.3");
  });

  it("fails on missing data unless there is a default; never renders 'undefined'", () => {
    const err = failure(() => render("x-${api.spec.missing}", { api }));
    expect(isInvalidInput(err)).toBe(true);
    expect(err.issues[0]?.code).toBe("missing-data");
    expect(render("${api.spec.missing ?? 5}", { api })).toBe(5);
    expect(render('x-${api.spec.missing ?? "d"}', { api })).toBe("x-d");
    expect(render('${api.spec.nothing ?? "was null"}', { api })).toBe("was null");
  });

  it("sorts failures into pending, invalid-input and expression bugs", () => {
    expect(
      isDataPending(failure(() => render("${deploy.core.release.chartVersion}", { api, deploy: {} }))),
    ).toBe(true);
    const deploy = { core: { objects: [], ready: true } };
    expect(
      isInvalidInput(failure(() => render("${deploy.core.release.chartVersion}", { api, deploy }))),
    ).toBe(true);
    expect(isExpressionBug(failure(() => render("x ${api.spec.obj}", { api })))).toBe(true);
    expect(isExpressionBug(failure(() => render("${each.name}", { api })))).toBe(true);
  });

  it("does not read prototype properties", () => {
    expect(() => render("${api.constructor}", { api })).toThrow(RenderError);
    expect(() => render("${api.spec.__proto__}", { api })).toThrow(RenderError);
    expect(() => render("${api.spec.list.length}", { api })).toThrow(RenderError);
  });

  it("evaluates wildcards through jsonpath-plus without script evaluation", () => {
    expect(render("${config.spec.versions[*].chart}", { config })).toEqual(["1.2.3", "1.3.0"]);
    expect(render("${config..chart}", { config })).toEqual(["1.2.3", "1.3.0"]);
  });
});

const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(
    "${api.metadata.name}",
    "$${api.x}",
    "${config.spec}",
    "a: b\nc: [d]\n---\nkind: Secret",
    "../../etc/passwd",
    "{{ .Values.x }}",
    "\u0000\u202e\ud83d\ude00",
    "x".repeat(100_000),
    "__proto__",
    "constructor",
  ),
);

describe("mapping language: hostile values are data", () => {
  it("inserts any value verbatim for a whole-value expression", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        expect(render("${api.spec.v}", { api: { spec: { v: value } } })).toBe(value);
      }),
    );
  });

  it("interpolates any string verbatim between the descriptor's text", () => {
    fc.assert(
      fc.property(hostile, (value) => {
        expect(render("pre-${api.spec.v}-post", { api: { spec: { v: value } } })).toBe(`pre-${value}-post`);
      }),
    );
  });

  it("never lets a value add keys the descriptor did not map", () => {
    fc.assert(
      fc.property(fc.dictionary(hostile, fc.jsonValue()), hostile, (obj, name) => {
        const out = render(
          { metadata: { name: "${api.spec.name}", namespace: "fixed" }, data: { v: "${api.spec.name}" } },
          { api: { spec: { name, obj } } },
        ) as Record<string, Record<string, unknown>>;
        expect(Object.keys(out)).toEqual(["metadata", "data"]);
        expect(out.metadata).toEqual({ name, namespace: "fixed" });
        expect(Object.keys(out.data ?? {})).toEqual(["v"]);
      }),
    );
  });

  it("keeps arbitrary JSON structures intact under a whole-value mapping", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(value !== null);
        const out = render({ values: "${api.spec.v}" }, { api: { spec: { v: value } } });
        expect(out).toEqual({ values: value });
      }),
    );
  });
});
