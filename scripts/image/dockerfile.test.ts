/**
 * The Dockerfile, read without Docker: its final stage runs spe the way
 * `npm run image` does, and everything it copies from the build context
 * exists. (Where a Docker engine runs, test/e2e/image-recipes.test.ts builds
 * it and compares the files.)
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGE_ENV, RUN_CONFIG } from "./assemble.js";
import { repoRoot } from "./layers.js";

interface Instruction {
  op: string;
  args: string;
}

async function finalStage(): Promise<{ all: Instruction[]; last: Instruction[] }> {
  const text = (await readFile(join(repoRoot, "Dockerfile"), "utf8")).replace(/\\\n/g, " ");
  const all = text
    .split("\n")
    .filter((l) => l.trim() && !l.trimStart().startsWith("#"))
    .map((l) => {
      const [op = "", ...rest] = l.trim().split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(" ") };
    });
  const from = all.map((i) => i.op).lastIndexOf("FROM");
  return { all, last: all.slice(from) };
}

const one = (stage: Instruction[], op: string): string | undefined =>
  stage.findLast((i) => i.op === op)?.args;

describe("Dockerfile", () => {
  it("runs spe as npm run image's config does", async () => {
    const { last } = await finalStage();
    expect(one(last, "FROM")).toBe("scratch");
    expect(one(last, "USER")).toBe(RUN_CONFIG.User);
    expect(one(last, "WORKDIR")).toBe(RUN_CONFIG.WorkingDir);
    expect(JSON.parse(one(last, "ENTRYPOINT") ?? "null")).toEqual(RUN_CONFIG.Entrypoint);
    expect(JSON.parse(one(last, "CMD") ?? "null")).toEqual(RUN_CONFIG.Cmd);
    expect(`${one(last, "EXPOSE") ?? ""}/tcp`).toBe(Object.keys(RUN_CONFIG.ExposedPorts)[0]);
    const env = Object.fromEntries(
      (one(last, "ENV") ?? "")
        .split(/\s+/)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    expect(env).toEqual(IMAGE_ENV);
  });

  it("copies only what the build context has", async () => {
    const { all } = await finalStage();
    const sources = all
      .filter((i) => i.op === "COPY" && !i.args.includes("--from="))
      .flatMap((i) =>
        i.args
          .split(/\s+/)
          .filter((a) => !a.startsWith("--"))
          .slice(0, -1),
      );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect(existsSync(join(repoRoot, source)), source).toBe(true);
  });
});
