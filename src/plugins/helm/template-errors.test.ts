import { describe, expect, it } from "vitest";
import { templateFailure } from "./template-errors.js";

describe("templateFailure", () => {
  it("names the value a template failed on", () => {
    const detail = `t/templates/a.yaml:5:19
  executing "t/templates/a.yaml" at <.Values.ports>:
    range can't iterate over lots`;
    expect(templateFailure(detail)).toEqual({
      valuesPath: ["ports"],
      message: `t/templates/a.yaml:5:19 executing "t/templates/a.yaml" at <.Values.ports>: range can't iterate over lots`,
    });
    expect(templateFailure(detail.replace(".Values.ports", ".Values.res.limits.cpu")).valuesPath).toEqual([
      "res",
      "limits",
      "cpu",
    ]);
  });

  it("puts a subchart's values under the subchart's name", () => {
    const detail = `t/charts/sub/charts/deep/templates/b.yaml:5:19
  executing "t/charts/sub/charts/deep/templates/b.yaml" at <.Values.x>:
    range can't iterate over lots`;
    expect(templateFailure(detail).valuesPath).toEqual(["sub", "deep", "x"]);
  });

  it("names the value a values schema refused, in the chart or a subchart", () => {
    const detail = `values don't meet the specifications of the schema(s) in the following chart(s):
t:
- at '/msg/a~1b': maxLength: got 7, want 3`;
    expect(templateFailure(detail, "t").valuesPath).toEqual(["msg", "a/b"]);
    expect(templateFailure(detail, "root").valuesPath).toEqual(["t", "msg", "a/b"]);
  });

  it("names no value where helm names none", () => {
    const detail =
      "YAML parse error on t/templates/a.yaml: error converting YAML to JSON: yaml: line 7: mapping values are not allowed in this context";
    expect(templateFailure(detail)).toEqual({ message: detail });
    expect(
      templateFailure(`t/templates/a.yaml:3:4\n  executing "t/templates/a.yaml" at <$v.x>:\n    nil`),
    ).toEqual({
      message: `t/templates/a.yaml:3:4 executing "t/templates/a.yaml" at <$v.x>: nil`,
    });
  });
});
