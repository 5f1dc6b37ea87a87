/**
 * More than one target per descriptor (test/fixtures/targets): each unit's target in the plan
 * and in `${target.cluster}`, each target's own access, and lint refusing a unit that names a
 * target the descriptor does not configure. UPDATE_GOLDEN=1 rewrites the golden file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import { renderOffline } from "./harness.js";
import { resolveTargetAccess } from "./inputs.js";
import { DescriptorError } from "./issues.js";
import { lintPaths } from "./lint.js";
import { loadDescriptors, parseDescriptor } from "./load.js";

const DIR = fileURLToPath(new URL("../../test/fixtures/targets/", import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === "1";

type Obj = Record<string, unknown>;
const read = (file: string): Obj => parse(readFileSync(join(DIR, file), "utf8")) as Obj;

async function load(file: string): Promise<Awaited<ReturnType<typeof loadDescriptors>>> {
  return loadDescriptors([join(DIR, file)]);
}

async function compiled(): Promise<ReturnType<typeof compileDescriptor>> {
  const loaded = await load("descriptor.yaml");
  expect(loaded.issues).toEqual([]);
  return compileDescriptor(loaded.descriptors[0]!);
}

describe("a descriptor with several targets", () => {
  it("lints clean", async () => {
    expect(await lintPaths([join(DIR, "descriptor.yaml")])).toEqual([]);
  });

  it("renders default as golden: each unit names its target, ${target.cluster} is the unit's", async () => {
    const out = renderOffline(await compiled(), { api: read("api.yaml"), config: read("config.yaml") });
    const actual = stringify(out, { lineWidth: 0, aliasDuplicateObjects: false });
    const path = join(DIR, "default.golden.yaml");
    if (UPDATE) writeFileSync(path, actual);
    expect(existsSync(path), `${path} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toBe(readFileSync(path, "utf8"));
    expect(out.units.map((u) => [u.name, u.target])).toEqual([
      ["api", "mcp"],
      ["operator", "workload"],
      ["record", "platform"],
    ]);
  });

  it("reaches each target by its own access", async () => {
    const c = await compiled();
    const ctx = { api: read("api.yaml"), config: read("config.yaml") };
    expect(resolveTargetAccess(c, ctx)).toEqual({
      kind: "kubeconfigSecret",
      namespace: "tenant-t",
      name: "mcp-t-kubeconfig",
      key: "kubeconfig",
    });
    expect(resolveTargetAccess(c, ctx, "workload")).toEqual({
      kind: "kubeconfigSecret",
      namespace: "tenant-t",
      name: "mcp-t-workload",
      key: "kubeconfig",
    });
    expect(resolveTargetAccess(c, ctx, "platform")).toEqual({ kind: "platform" });
    expect([...c.target.clusters.keys()]).toEqual(["mcp", "workload", "platform"]);
  });

  it("reads a further target's AccessRequest as <name>--<target> with openmcp access", () => {
    const text = readFileSync(join(DIR, "descriptor.yaml"), "utf8").replace(
      /workload:\n {8}access:\n(?: {10}.*\n)+/,
      "workload: { access: { openmcp: {} } }\n",
    );
    const c = compileDescriptor(parseDescriptor(text, "descriptor.yaml"));
    expect(resolveTargetAccess(c, { api: read("api.yaml"), config: {} }, "workload")).toEqual({
      kind: "openmcp",
      name: "mcp-t--workload",
      namespace: "tenant-t",
    });
  });
});

describe("lint of targets", () => {
  it("refuses a unit naming a target the descriptor does not configure, at file:line:col", async () => {
    const issues = await lintPaths([join(DIR, "unknown-target.yaml")]);
    const found = issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.code}: ${i.message}`);
    expect(found).toContain(
      `${join(DIR, "unknown-target.yaml")}:25:15: unknown-target: unit operator: target workload is not configured (configured: mcp); add spec.target.clusters.workload.access (or make it spec.target.cluster)`,
    );
    expect(found).toContain(
      `${join(DIR, "unknown-target.yaml")}:18:7: target-clusters: mcp is the default target (spec.target.cluster); its access is spec.target.access, not listed here`,
    );
  });

  it("makes the engine refuse such a descriptor too", async () => {
    const loaded = await load("unknown-target.yaml");
    expect(() => compileDescriptor(loaded.descriptors[0]!)).toThrow(DescriptorError);
  });
});
