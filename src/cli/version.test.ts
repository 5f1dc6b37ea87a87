import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInfo, versionLine } from "./version.js";

describe("spe version", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "spe-version-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints the bare version in a source checkout (no build-info.json)", () => {
    expect(buildInfo(pathToFileURL(join(dir, "missing.json")))).toBeUndefined();
    expect(versionLine("0.1.0", undefined)).toBe("0.1.0");
  });

  it("adds the revision an image was built from", async () => {
    const file = join(dir, "build-info.json");
    await writeFile(file, JSON.stringify({ version: "0.1.0", revision: "abc123" }));
    expect(versionLine("0.1.0", buildInfo(pathToFileURL(file)))).toBe("0.1.0 (revision abc123)");
  });

  it("fails on a build-info.json it cannot read instead of hiding it", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, "{");
    expect(() => buildInfo(pathToFileURL(file))).toThrow(SyntaxError);
  });
});
