/**
 * `npm run bench`: the scale benchmark on real clusters from test/env. Writes
 * bench/results/<started-at>.json and bench/results/latest.md after every scenario, so a
 * run cut short still leaves what it measured. BENCH_N, BENCH_SYSTEMS, BENCH_STEADY_SECONDS,
 * BENCH_DRIFT: see config.ts.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { benchConfig } from "./config.js";
import { markdown } from "./report.js";
import { runBench, type BenchResults } from "./run.js";

const cfg = benchConfig();
await mkdir(cfg.outDir, { recursive: true });

async function write(results: BenchResults): Promise<void> {
  const stamp = results.startedAt.slice(0, 16).replace(":", "-");
  await writeFile(join(cfg.outDir, `${stamp}.json`), JSON.stringify(results, null, 2) + "\n");
  await writeFile(join(cfg.outDir, "latest.md"), markdown(results, `${stamp}.json`));
}

const results = await runBench(
  cfg,
  (line) => {
    console.log(line);
  },
  write,
);
console.log(markdown(results, ""));
process.exit(results.scenarios.every((s) => s.ok) ? 0 : 1);
