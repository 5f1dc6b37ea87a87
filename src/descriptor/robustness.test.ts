import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExpressionSyntaxError, parseTemplateString } from "./expr.js";
import type { Issue } from "./issues.js";
import { safeParseDescriptors } from "./load.js";
import { configMapReader } from "./refs.js";
import { compileTemplate } from "./template.js";
import { baseDescriptor, toText } from "./test-helpers.js";

const fragments = fc.constantFrom(
  "${",
  "}",
  "$${",
  "api",
  "config",
  ".",
  "[",
  "]",
  "=",
  "??",
  '"',
  "'",
  "*",
  "..",
  "?(",
  "@",
  "0",
  " ",
  "x",
  "(",
  ")",
  ",",
  "{",
  "merge",
  "oneOf",
  "has",
  "hash",
  "-1",
  "null",
);
const exprish = fc.array(fragments, { maxLength: 20 }).map((xs) => xs.join(""));

describe("robustness", () => {
  it("the template parser only ever fails with a syntax error", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), exprish), (text) => {
        try {
          parseTemplateString(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ExpressionSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("compiling any value collects issues instead of throwing", () => {
    fc.assert(
      fc.property(fc.jsonValue(), exprish, (value, text) => {
        const errors: Issue[] = [];
        compileTemplate({ value, text }, [], errors);
        for (const e of errors) expect(e.code).toBe("expression-syntax");
      }),
    );
  });

  it("loading arbitrary text never throws", () => {
    const base = toText(baseDescriptor());
    fc.assert(
      fc.property(fc.string(), fc.nat(base.length), (junk, at) => {
        const text = base.slice(0, at) + junk + base.slice(at);
        const result = safeParseDescriptors(text, "fuzz.yaml", { reader: configMapReader({}, "mem") });
        for (const i of result.issues) expect(i.file).toBeDefined();
      }),
      { numRuns: 300 },
    );
    // 300 whole-descriptor loads: well under a second alone, many seconds beside the e2e suite
    // on two loaded cores; the bound is on correctness, not speed.
  }, 30_000);
});
