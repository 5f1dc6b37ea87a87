import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const text = (path: string): Promise<string> => readFile(new URL(path, root), "utf8");

describe("the engine's node flags", () => {
  it("are the same for bin/spe.js and the image", async () => {
    const shebang = (await text("bin/spe.js")).split("\n")[0] ?? "";
    const flags = shebang.split(" ").filter((w) => w.startsWith("--"));
    expect(flags).toContain("--max-semi-space-size=4");
    const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(await text("Dockerfile"))?.[1];
    expect(JSON.parse(entrypoint ?? "[]")).toEqual(["node", ...flags, "dist/cli/main.js"]);
  });
});
