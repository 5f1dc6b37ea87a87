/** The scale benchmark's configuration, parsed once from the environment at the edge. */
import { fileURLToPath } from "node:url";

export const SYSTEMS = ["spe-helm", "spe-manifests", "ssa", "helm-operator"] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface BenchConfig {
  /** API object counts, one scenario set each (BENCH_N, default "100,500,1000"). */
  sizes: number[];
  /** Systems measured per size (BENCH_SYSTEMS, default all). */
  systems: SystemName[];
  /** Length of the steady-state window after Ready (BENCH_STEADY_SECONDS, default 120). */
  steadySeconds: number;
  /** Objects changed or deleted out of band (BENCH_DRIFT, default 50; half edited, half deleted). */
  driftCount: number;
  /** Give up waiting for Ready after this long (BENCH_READY_TIMEOUT_SECONDS, default 900). */
  readyTimeoutSeconds: number;
  /** Where results go (BENCH_OUT, default bench/results). */
  outDir: string;
  /** Engine worker count passed to `spe run --workers` (BENCH_SPE_WORKERS, default: spe's default). */
  speWorkers: number | undefined;
  /**
   * Extra node flags for the engine process, for profiling (BENCH_SPE_NODE_ARGS, space
   * separated, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"); none by default.
   */
  speNodeArgs: string[];
  /** Extra `spe run` flags (BENCH_SPE_ARGS, space separated, e.g. "--helm-concurrency 8"); none by default. */
  speArgs: string[];
  /**
   * Environment of spe's helm worker alone (BENCH_HELM_WORKER_ENV, space separated NAME=value,
   * e.g. "GOMEMLIMIT=48MiB"): the bench's own environment reaches the clusters' processes too.
   */
  helmWorkerEnv: string[];
}

export const BENCH_ROOT = fileURLToPath(new URL("../", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

function ints(text: string, name: string): number[] {
  const values = text.split(",").map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0))
    throw new Error(`${name}: expected positive integers, got "${text}"`);
  return values;
}

function systems(text: string): SystemName[] {
  const names = text.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!(SYSTEMS as readonly string[]).includes(n))
      throw new Error(`BENCH_SYSTEMS: unknown system "${n}" (known: ${SYSTEMS.join(", ")})`);
  }
  return names as SystemName[];
}

export function assignments(text: string, name = "BENCH_HELM_WORKER_ENV"): string[] {
  const items = text.split(" ").filter(Boolean);
  for (const item of items) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.,:/=+-]*$/.test(item))
      throw new Error(`${name}: expected NAME=value items, got "${item}"`);
  }
  return items;
}

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const workers = env.BENCH_SPE_WORKERS;
  return {
    sizes: ints(env.BENCH_N ?? "100,500,1000", "BENCH_N"),
    systems: systems(env.BENCH_SYSTEMS ?? SYSTEMS.join(",")),
    steadySeconds: Number(env.BENCH_STEADY_SECONDS ?? 120),
    driftCount: Number(env.BENCH_DRIFT ?? 50),
    readyTimeoutSeconds: Number(env.BENCH_READY_TIMEOUT_SECONDS ?? 900),
    outDir: env.BENCH_OUT ?? `${BENCH_ROOT}results`,
    speWorkers: workers === undefined ? undefined : ints(workers, "BENCH_SPE_WORKERS")[0],
    speNodeArgs: (env.BENCH_SPE_NODE_ARGS ?? "").split(" ").filter(Boolean),
    speArgs: (env.BENCH_SPE_ARGS ?? "").split(" ").filter(Boolean),
    helmWorkerEnv: assignments(env.BENCH_HELM_WORKER_ENV ?? ""),
  };
}
