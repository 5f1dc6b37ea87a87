import { describe, expect, it } from "vitest";
import { ExpressionSyntaxError, parseExpression, parseTemplateString } from "./expr.js";

describe("parseExpression", () => {
  it("parses roots and dotted paths into property steps", () => {
    const e = parseExpression("api.spec.providers[0].name");
    expect(e.root).toBe("api");
    expect(e.steps).toEqual([
      { kind: "prop", name: "spec" },
      { kind: "prop", name: "providers" },
      { kind: "prop", name: "0" },
      { kind: "prop", name: "name" },
    ]);
  });

  it("accepts quoted keys with dots", () => {
    expect(parseExpression("api.metadata.labels['app.kubernetes.io/name']").steps.at(-1)).toEqual({
      kind: "prop",
      name: "app.kubernetes.io/name",
    });
  });

  it("hands wildcards, slices and recursion to jsonpath-plus", () => {
    expect(parseExpression("api.spec.providers[*].name").steps).toEqual([
      { kind: "query", segments: ["spec", "providers", "*", "name"] },
    ]);
    expect(parseExpression("config..version").steps[0]?.kind).toBe("query");
  });

  it("parses [key=path] selects and literal operands", () => {
    const e = parseExpression("config.spec.versions[version=api.spec.version].chartVersion");
    expect(e.steps[2]).toMatchObject({ kind: "select", key: "version", operand: { kind: "path" } });
    expect(e.steps[3]).toEqual({ kind: "prop", name: "chartVersion" });
    const lit = parseExpression('config.spec.versions[version="1.2"]');
    expect(lit.steps[2]).toMatchObject({ operand: { kind: "literal", value: "1.2" } });
  });

  it("parses ?? defaults as JSON literals", () => {
    expect(parseExpression("api.spec.x ?? 3").fallback).toEqual({ value: 3 });
    expect(parseExpression('api.spec.x ?? "a ?? b"').fallback).toEqual({ value: "a ?? b" });
    expect(parseExpression("api.spec.x ?? {}").fallback).toEqual({ value: {} });
    expect(() => parseExpression("api.spec.x ?? nope")).toThrow(/JSON literal/);
  });

  it("rejects unknown roots and script filters", () => {
    expect(() => parseExpression("process.env")).toThrow(ExpressionSyntaxError);
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
