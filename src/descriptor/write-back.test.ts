/**
 * Golden render of spec.writeBack (test/fixtures/descriptors/write-back.yaml): spe's labels
 * and annotations, and units that read them, see spe's value even where the user set one.
 * UPDATE_GOLDEN=1 rewrites the golden file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileDescriptor } from "./compile.js";
import { nameHash } from "./functions.js";
import { renderOffline } from "./harness.js";
import { lintPaths } from "./lint.js";
import { loadDescriptors } from "./load.js";
import { baseDescriptor, lintDoc, set } from "./test-helpers.js";

const FILE = fileURLToPath(new URL("../../test/fixtures/descriptors/write-back.yaml", import.meta.url));
const GOLDEN = fileURLToPath(
  new URL("../../test/fixtures/descriptors/write-back.golden.yaml", import.meta.url),
);
const LABEL = "writeback.tests.spe.dev/instance-id";

const api = {
  apiVersion: "writeback.tests.spe.dev/v1alpha1",
  kind: "Instance",
  metadata: { name: "mcp-a", namespace: "tenant-a", labels: { [LABEL]: "chosen-by-user", team: "a" } },
  spec: {},
};
const config = {
  apiVersion: "writeback.tests.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "writeback" },
  spec: { team: "blue" },
};

describe("write-back", () => {
  it("lints clean", async () => {
    expect(await lintPaths([FILE])).toEqual([]);
  });

  it("renders spe's values, never the user's, as golden", async () => {
    const compiled = compileDescriptor((await loadDescriptors([FILE])).descriptors[0]!);
    const out = renderOffline(compiled, { api, config });
    expect(out.writeBack?.labels[LABEL]).toBe(nameHash(["tenant-a", "mcp-a"]));
    const actual = stringify(out, { lineWidth: 0, aliasDuplicateObjects: false });
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, actual);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing; run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toBe(readFileSync(GOLDEN, "utf8"));
    expect(actual).not.toContain("chosen-by-user");
  });

  it("write-back: keys Kubernetes refuses, and roots it may not read, with a position", () => {
    const bad = lintDoc(set(baseDescriptor(), "spec.writeBack", { labels: { "a b": "x" } }));
    const hit = bad.find((i) => i.code === "write-back");
    expect(hit?.message).toContain('label key "a b"');
    expect(hit?.line).toBeGreaterThan(0);
    const deploy = lintDoc(
      set(baseDescriptor(), "spec.writeBack", { annotations: { x: "${deploy.core.ready}" } }),
    );
    expect(deploy.find((i) => i.code === "expression-root")?.message).toContain("deploy cannot be used here");
  });
});
