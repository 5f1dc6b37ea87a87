/**
 * `npm run soak [-- --duration 30m --objects 1000 --seed N]`: the chaos soak on real
 * clusters from test/env. Writes bench/results/soak/<started-at>.json and latest.md.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { soakConfig } from "./config.js";
import { markdown } from "./report.js";
import { runSoak } from "./run.js";

const cfg = soakConfig();
await mkdir(cfg.outDir, { recursive: true });
const results = await runSoak(cfg, (line) => {
  console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
});
const stamp = results.startedAt.slice(0, 16).replace(":", "-");
await writeFile(join(cfg.outDir, `${stamp}.json`), JSON.stringify(results, null, 2) + "\n");
await writeFile(join(cfg.outDir, "latest.md"), markdown(results, `${stamp}.json`));
console.log(markdown(results, `${stamp}.json`));
process.exit(results.ok ? 0 : 1);
