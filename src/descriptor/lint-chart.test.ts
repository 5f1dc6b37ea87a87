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

describe("chart-dependencies", () => {
  /** A descriptor whose chart's Chart.yaml depends on `crds`; `bundle` fills its charts/ directory. */
  function withDependency(bundle: (charts: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), "spe-chart-"));
    const chart = join(dir, "chart");
    mkdirSync(join(chart, "charts"), { recursive: true });
    writeFileSync(
      join(chart, "Chart.yaml"),
      toText({
        apiVersion: "v2",
        name: "engine",
        version: "1.0.0",
        dependencies: [{ name: "crds", version: "1.0.0", condition: "crds.install" }],
      }),
    );
    bundle(join(chart, "charts"));
    writeFileSync(
      join(dir, "descriptor.yaml"),
      toText(set(baseDescriptor(), "spec.deploy.0.helm.chart", { path: "./chart" })),
    );
    return dir;
  }

  it("reports a dependency missing from charts/ at the chart's path in the descriptor", async () => {
    const dir = withDependency(() => undefined);
    const issues = (await lintPaths([dir])).filter((i) => i.code === "chart-dependencies");
    expect(issues).toEqual([
      expect.objectContaining({
        severity: "error",
        file: join(dir, "descriptor.yaml"),
        message:
          "chart ./chart depends on crds 1.0.0, which is not in its charts/ directory; helm refuses to install it (run helm dependency build)",
      }),
    ]);
    const text = toText(set(baseDescriptor(), "spec.deploy.0.helm.chart", { path: "./chart" }));
    const line = text.split("\n").findIndex((l) => l.includes("path: ./chart")) + 1;
    expect(issues[0]?.line).toBe(line);
  });

  it("accepts the dependency as a chart directory or as the archive helm dependency build writes", async () => {
    const asDir = withDependency((charts) => {
      mkdirSync(join(charts, "crds"));
      writeFileSync(join(charts, "crds", "Chart.yaml"), "apiVersion: v2\nname: crds\nversion: 1.0.0\n");
    });
    const asArchive = withDependency((charts) => {
      writeFileSync(join(charts, "crds-1.0.0.tgz"), "");
    });
    for (const dir of [asDir, asArchive])
      expect((await lintPaths([dir])).filter((i) => i.code === "chart-dependencies")).toEqual([]);
  });

  it("says nothing when charts/ holds an archive it cannot attribute", async () => {
    const dir = withDependency((charts) => {
      writeFileSync(join(charts, "bundle.tgz"), "");
    });
    expect((await lintPaths([dir])).filter((i) => i.code === "chart-dependencies")).toEqual([]);
  });
});
