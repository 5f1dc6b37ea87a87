/**
 * How the benches start `spe run`: the compiled engine with the node flags spe ships with,
 * admin kubeconfigs of the environment's platform and onboarding clusters, the bench's
 * descriptors and a helm worker (optionally behind a wrapper script that logs each start
 * and sets the worker's own environment).
 */
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningEnvironment } from "../../test/env/environment.js";
import { BENCH_ROOT } from "./config.js";

/** The node flags spe ships with: those on bin/spe.js's `#!` line (the image's ENTRYPOINT has the same). */
export async function engineNodeFlags(): Promise<string[]> {
  const shebang = (await readFile(join(BENCH_ROOT, "../bin/spe.js"), "utf8")).split("\n")[0] ?? "";
  return shebang.split(" ").filter((word) => word.startsWith("--"));
}

export interface SpeRun {
  env: RunningEnvironment;
  /** dist/cli/main.js of the compiled engine. */
  main: string;
  descriptors: string[];
  opsPort: number;
  helmWorker: string;
  logLevel?: string;
  /** More node flags (profiling) and more `spe run` flags. */
  nodeArgs?: string[];
  args?: string[];
}

/** The node arguments of `spe run` as the benches start it. */
export async function speRunArgs(run: SpeRun): Promise<string[]> {
  return [
    ...(await engineNodeFlags()),
    ...(run.nodeArgs ?? []),
    run.main,
    "run",
    ...["--platform-kubeconfig", run.env.clusters.platform.kubeconfigPath],
    ...["--onboarding-kubeconfig", run.env.clusters.onboarding.kubeconfigPath],
    ...run.descriptors.flatMap((d) => ["--descriptors", d]),
    ...["--ops-port", String(run.opsPort), "--log-level", run.logLevel ?? "warn"],
    ...["--helm-worker", run.helmWorker],
    ...(run.args ?? []),
  ];
}

/**
 * A script that starts the real helm worker: it appends a line to `startLog` per start (helm
 * processes counted exactly) and gives the worker `env` (NAME=value items) alone.
 */
export async function helmWorkerWrapper(
  path: string,
  worker: string,
  opts: { startLog?: string; env?: string[] },
): Promise<string> {
  const log = opts.startLog ? `echo start >> '${opts.startLog}'\n` : "";
  const env = (opts.env ?? []).map((a) => `${a} `).join("");
  await writeFile(path, `#!/bin/sh\n${log}${env}exec '${worker}' "$@"\n`);
  await chmod(path, 0o755);
  if (opts.startLog) await writeFile(opts.startLog, "");
  return path;
}
