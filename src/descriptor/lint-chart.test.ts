import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lintPaths } from "./lint.js";
import { baseDescriptor, set, toText } from "./test-helpers.js";

function withChart(values: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "spe-chart-"));
  mkdirSync(join(dir, "chart"));
  writeFileSync(
    join(dir, "chart", "values.schema.json"),
    JSON.stringify({
      type: "object",
      additionalProperties: false,
      properties: {
        replicas: { type: "integer" },
        image: { type: "string" },
        nested: { type: "object", properties: { on: { type: "boolean" } } },
      },
    }),
  );
  const d = set(baseDescriptor(), "spec.deploy.0.helm.chart", { path: "./chart" });
  set(d, "spec.deploy.0.helm.values", values);
  writeFileSync(join(dir, "descriptor.yaml"), toText(d));
  return dir;
}

describe("chart-values", () => {
  it("accepts values that match the chart's values schema", async () => {
    const dir = withChart({
      replicas: "${api.spec.replicas}",
      image: "r/${api.spec.version}",
      nested: { on: true },
    });
    expect(await lintPaths([dir])).toEqual([]);
  });

  it("reports unknown keys and type mismatches at their position", async () => {
    const dir = withChart({ replicas: "${api.spec.version}", imag: "x", nested: { on: "yes" } });
    const issues = (await lintPaths([dir])).filter((i) => i.code === "chart-values");
    expect(issues.map((i) => i.message)).toEqual([
      "the chart expects integer here, the descriptor gives string",
      'the chart\'s values schema has no "imag" (did you mean "image"?)',
      "the chart expects boolean here, the descriptor gives string",
    ]);
    expect(issues.every((i) => i.file === join(dir, "descriptor.yaml") && (i.line ?? 0) > 0)).toBe(true);
  });
});
