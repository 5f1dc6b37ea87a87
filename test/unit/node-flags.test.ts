import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const text = (path: string): Promise<string> => readFile(new URL(path, root), "utf8");
const shebangFlags = async (path: string): Promise<string[]> =>
  ((await text(path)).split("\n")[0] ?? "").split(" ").filter((w) => w.startsWith("--"));

describe("the engine's node flags", () => {
  it("are the same for bin/spe.js and the image's entrypoint", async () => {
    const flags = await shebangFlags("bin/spe.js");
    expect(flags).toContain("--max-semi-space-size=4");
    expect(await shebangFlags("scripts/image/spe")).toEqual(flags);
    // The image starts spe through that file (no shell), so its shebang is what runs.
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(await text("Dockerfile"))?.[1];
    expect(JSON.parse(entrypoint ?? "[]")).toEqual(["/usr/local/bin/spe"]);
    expect(await text("scripts/image/layers.ts")).toContain('"scripts/image/spe"');
  });
});
