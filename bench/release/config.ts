/** The release benchmark's configuration, parsed once from the environment at the edge. */
import { assignments, BENCH_ROOT } from "../scale/config.js";

export interface ReleaseBenchConfig {
  /** API objects created and deleted again (BENCH_RELEASE_N, default 200). */
  n: number;
  /**
   * CRDs each release installs, of the chart's twenty (BENCH_RELEASE_CRDS, default 5). CRDs
   * are cluster-wide, so each release brings its own: 200 releases of all twenty made 4,000
   * CRDs, more than the test apiserver serves on a small machine.
   */
  crds: number;
  /**
   * Create-and-delete rounds in one run (BENCH_RELEASE_ROUNDS, default 1). A second round
   * tells a leak (memory after settling grows round by round) from memory the first round
   * warmed up and later rounds reuse (it plateaus).
   */
  rounds: number;
  /** How long the idle engine runs before it is measured (BENCH_RELEASE_IDLE_SECONDS, default 20). */
  idleSeconds: number;
  /** How long memory is sampled after the last object is gone (BENCH_RELEASE_SETTLE_SECONDS, default 120). */
  settleSeconds: number;
  /** Give up waiting for Ready, or for the objects to be gone, after this long (BENCH_READY_TIMEOUT_SECONDS, default 900). */
  timeoutSeconds: number;
  /** Where results go (BENCH_OUT, default bench/results/release). */
  outDir: string;
  /** Extra node flags for the engine (BENCH_SPE_NODE_ARGS, space separated). */
  speNodeArgs: string[];
  /** Extra `spe run` flags (BENCH_SPE_ARGS, space separated). */
  speArgs: string[];
  /**
   * Environment of the engine process alone (BENCH_SPE_ENV, space separated NAME=value, e.g.
   * "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072"): the bench's own environment reaches
   * the clusters' processes too.
   */
  speEnv: string[];
}

function positive(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name}: expected a positive integer, got "${text}"`);
  return value;
}

const words = (text: string | undefined): string[] => (text ?? "").split(" ").filter(Boolean);

export function releaseBenchConfig(env: NodeJS.ProcessEnv = process.env): ReleaseBenchConfig {
  return {
    n: positive(env.BENCH_RELEASE_N ?? "200", "BENCH_RELEASE_N"),
    crds: positive(env.BENCH_RELEASE_CRDS ?? "5", "BENCH_RELEASE_CRDS"),
    rounds: positive(env.BENCH_RELEASE_ROUNDS ?? "1", "BENCH_RELEASE_ROUNDS"),
    idleSeconds: positive(env.BENCH_RELEASE_IDLE_SECONDS ?? "20", "BENCH_RELEASE_IDLE_SECONDS"),
    settleSeconds: positive(env.BENCH_RELEASE_SETTLE_SECONDS ?? "120", "BENCH_RELEASE_SETTLE_SECONDS"),
    timeoutSeconds: positive(env.BENCH_READY_TIMEOUT_SECONDS ?? "900", "BENCH_READY_TIMEOUT_SECONDS"),
    outDir: env.BENCH_OUT ?? `${BENCH_ROOT}results/release`,
    speNodeArgs: words(env.BENCH_SPE_NODE_ARGS),
    speArgs: words(env.BENCH_SPE_ARGS),
    speEnv: assignments(env.BENCH_SPE_ENV ?? "", "BENCH_SPE_ENV"),
  };
}
