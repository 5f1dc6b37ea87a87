/**
 * Compiles spe once per bench run into a private folder outside the repo (dist/ next to
 * links to package.json, schemas/ and node_modules/), so the measured engine is the shipped
 * JavaScript, without tsx's transpiler in its memory or CPU, and the checkout is untouched.
 */
import { mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { REPO_ROOT } from "./config.js";

export async function buildSpe(): Promise<{ node: string; main: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "spe-bench-build-"));
  for (const entry of ["package.json", "schemas", "node_modules"]) {
    await symlink(join(REPO_ROOT, entry), join(dir, entry));
  }
  await execa(
    "npx",
    ["tsc", "-p", "tsconfig.build.json", "--outDir", join(dir, "dist"), "--sourceMap", "false"],
    {
      cwd: REPO_ROOT,
    },
  );
  return { node: process.execPath, main: join(dir, "dist", "cli", "main.js"), dir };
}
