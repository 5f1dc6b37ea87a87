/**
 * `npm run bench:release`: whether the engine gives memory back once its work is done.
 * Writes bench/results/release/<started-at>.json and latest.md. BENCH_RELEASE_N,
 * BENCH_RELEASE_SETTLE_SECONDS and friends: see config.ts.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { releaseBenchConfig } from "./config.js";
import { markdown } from "./report.js";
import { runReleaseBench } from "./run.js";

const cfg = releaseBenchConfig();
await mkdir(cfg.outDir, { recursive: true });
const results = await runReleaseBench(cfg, (line) => {
  console.log(line);
});
const stamp = results.startedAt.slice(0, 16).replace(":", "-");
await writeFile(join(cfg.outDir, `${stamp}.json`), JSON.stringify(results, null, 2) + "\n");
await writeFile(join(cfg.outDir, "latest.md"), markdown(results, `${stamp}.json`));
console.log(markdown(results, `${stamp}.json`));
process.exit(results.ok ? 0 : 1);
