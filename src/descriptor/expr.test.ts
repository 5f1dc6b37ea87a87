import { describe, expect, it } from "vitest";
import {
  ExpressionSyntaxError,
  nestedExpressions,
  parseExpression,
  parsePath,
  parseTemplateString,
  primaryPath,
  type Expression,
} from "./expr.js";

/** The options of a `??` chain as (kind, source) pairs. */
function options(e: Expression): [string, string][] {
  return e.kind === "fallback" ? e.options.map((o) => [o.kind, o.source]) : [[e.kind, e.source]];
}

describe("parsePath", () => {
  it("parses roots and dotted paths into property steps", () => {
    const e = parsePath("api.spec.providers[0].name");
    expect(e.root).toBe("api");
    expect(e.steps).toEqual([
      { kind: "prop", name: "spec" },
      { kind: "prop", name: "providers" },
      { kind: "prop", name: "0" },
      { kind: "prop", name: "name" },
    ]);
  });

  it("accepts quoted keys with dots", () => {
    expect(parsePath("api.metadata.labels['app.kubernetes.io/name']").steps.at(-1)).toEqual({
      kind: "prop",
      name: "app.kubernetes.io/name",
    });
  });

  it("hands wildcards, slices and recursion to jsonpath-plus", () => {
    expect(parsePath("api.spec.providers[*].name").steps).toEqual([
      { kind: "query", segments: ["spec", "providers", "*", "name"] },
    ]);
    expect(parsePath("config..version").steps[0]?.kind).toBe("query");
  });

  it("parses [key=path] selects and literal operands", () => {
    const e = parsePath("config.spec.versions[version=api.spec.version].chartVersion");
    expect(e.steps[2]).toMatchObject({ kind: "select", key: "version", operand: { kind: "path" } });
    expect(e.steps[3]).toEqual({ kind: "prop", name: "chartVersion" });
    const lit = parsePath('config.spec.versions[version="1.2"]');
    expect(lit.steps[2]).toMatchObject({ operand: { kind: "literal", value: "1.2" } });
  });
});

describe("parseExpression", () => {
  it("parses ?? chains of paths and JSON literals", () => {
    expect(options(parseExpression("api.spec.x ?? 3"))).toEqual([
      ["path", "api.spec.x"],
      ["literal", "3"],
    ]);
    expect(options(parseExpression('api.spec.x ?? "a ?? b"'))).toEqual([
      ["path", "api.spec.x"],
      ["literal", '"a ?? b"'],
    ]);
    expect(options(parseExpression("api.spec.x??{}"))).toEqual([
      ["path", "api.spec.x"],
      ["literal", "{}"],
    ]);
    expect(
      options(parseExpression('config.spec.chartURL ?? config.spec.defaults.chartURL ?? "oci://r/c"')),
    ).toEqual([
      ["path", "config.spec.chartURL"],
      ["path", "config.spec.defaults.chartURL"],
      ["literal", '"oci://r/c"'],
    ]);
    expect(() => parseExpression("api.spec.x ?? nope")).toThrow(/JSON literal/);
    expect(() => parseExpression("api.spec.x ??")).toThrow(/value is expected/);
    expect(() => parseExpression("api.spec.x ?? [1,")).toThrow(/unclosed/);
  });

  it("parses function calls with any expressions as arguments", () => {
    const e = parseExpression('merge({"a": 1}, config.spec.values ?? {}, hash(api.metadata.name))');
    expect(e.kind).toBe("call");
    if (e.kind !== "call") return;
    expect(e.fn).toBe("merge");
    expect(e.args.map((a) => a.kind)).toEqual(["literal", "fallback", "call"]);
    expect(parseExpression("has( api.spec.x )")).toMatchObject({ kind: "call", fn: "has" });
    expect(() => parseExpression("and()")).toThrow("and takes at least 1 argument: and(boolean, …)");
  });

  it("refuses unknown functions, wrong arity and has() of anything but a path", () => {
    expect(() => parseExpression("eval(api.spec.x)")).toThrow(
      /unknown function eval; the functions are merge/,
    );
    expect(() => parseExpression("oneOf(api.spec.x)")).toThrow(/oneOf takes 2 arguments/);
    expect(() => parseExpression('has("x")')).toThrow(/has takes a path/);
    expect(() => parseExpression("not(api.spec.a, api.spec.b)")).toThrow(/not takes 1 argument:/);
    expect(() => parseExpression("hash(api.spec.a api.spec.b)")).toThrow(/expected "," or "\)"/);
    expect(() => parseExpression("api.spec.a api.spec.b")).toThrow(/unexpected/);
  });

  it("lists every path inside, marking those a ?? or has() guards", () => {
    const paths = nestedExpressions(
      parseExpression(
        "oneOf(each.version ?? api.spec.v, config.spec.p[name=each.name].versions) ?? has(api.spec.z)",
      ),
    );
    expect(paths.map((p) => [p.source, p.guarded])).toEqual([
      ["each.version", true],
      ["api.spec.v", true],
      ["config.spec.p[name=each.name].versions", true],
      ["each.name", true],
      ["api.spec.z", true],
    ]);
    const plain = nestedExpressions(parseExpression("oneOf(api.spec.version, config.spec.versions)"));
    expect(plain.map((p) => p.guarded)).toEqual([false, false]);
    expect(primaryPath(parseExpression("oneOf(api.spec.version, config.spec.versions) ?? 1"))?.source).toBe(
      "api.spec.version",
    );
    expect(primaryPath(parseExpression("merge(api.spec.a, api.spec.b)"))).toBeUndefined();
  });

  it("rejects unknown roots and script filters", () => {
    expect(() => parseExpression("process.env")).toThrow(ExpressionSyntaxError);
    expect(() => parsePath("process.env")).toThrow(/must start with one of api/);
    expect(() => parseExpression("config.spec.versions[?(@.version == '1')]")).toThrow(/not allowed/);
    expect(() => parseExpression("config.spec.versions[(@.length-1)]")).toThrow(/not allowed/);
    expect(() => parseExpression("api.spec[0")).toThrow(/unclosed/);
  });
});

describe("parseTemplateString", () => {
  it("returns undefined for plain text", () => {
    expect(parseTemplateString("plain")).toBeUndefined();
  });

  it("splits text and expressions", () => {
    const parts = parseTemplateString("${config.spec.registry}/${each.name}:v1");
    expect(parts?.map((p) => p.kind)).toEqual(["expr", "text", "expr", "text"]);
  });

  it("treats $${ as a literal ${", () => {
    expect(parseTemplateString("cost: $${api.x}")).toEqual([{ kind: "text", text: "cost: ${api.x}" }]);
  });

  it("reports the offset of a bad expression", () => {
    try {
      parseTemplateString("abc ${nope.x}");
      expect.unreachable();
    } catch (err) {
      expect((err as ExpressionSyntaxError).offset).toBe(4);
    }
    expect(() => parseTemplateString("x ${api.spec")).toThrow(/unclosed/);
  });
});
