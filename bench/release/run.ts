/**
 * The release benchmark: does the engine give memory back once its work is done? On a fresh
 * private environment: the engine idle, then N CRD-heavy releases created until all are Ready,
 * then all N deleted until the last API object is gone, then memory sampled for a while.
 */
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEnvironment, type RunningEnvironment } from "../../test/env/environment.js";
import { buildSpe } from "../scale/build.js";
import { machineFacts, type MachineFacts } from "../scale/machine.js";
import { names } from "../scale/util.js";
import { commit } from "../scale/run.js";
import type { ReleaseBenchConfig } from "./config.js";
import {
  createObjects,
  deleteObjects,
  objectCounts,
  releaseCrds,
  startEngine,
  type EngineClusters,
  type RunningEngine,
} from "./engine.js";
import { sampleMemory, type MemorySample } from "./memory.js";
import { sleep } from "../scale/util.js";

/** One round: N created until Ready, deleted until gone, then sampled while the engine settles. */
export interface ReleaseRound {
  /** Seconds from the first create until all N reported Ready. */
  readySeconds: number;
  /** Seconds from the first delete until the last API object was gone. */
  goneSeconds?: number;
  /** Release CRDs still on mcp when the last API object was gone (helm deletes them in the background). */
  crdsLeft?: number;
  /** When all N were Ready (the high-water marks cover the whole phase). */
  ready: MemorySample;
  gone?: MemorySample;
  /** The last sample of the settle window. */
  after?: MemorySample;
  /** Every sample of the settle window. */
  settle: MemorySample[];
}

export interface ReleaseResults {
  startedAt: string;
  commit: string;
  config: Omit<ReleaseBenchConfig, "outDir">;
  machine: { atStart: MachineFacts; atEnd?: MachineFacts };
  ok: boolean;
  error?: string;
  idle?: MemorySample;
  rounds: ReleaseRound[];
}

function clusters(env: RunningEnvironment): EngineClusters {
  const load = (role: "platform" | "onboarding" | "mcp"): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(env.clusters[role].kubeconfigPath);
    return kc;
  };
  return { platform: load("platform"), onboarding: load("onboarding"), mcp: load("mcp") };
}

/** Polls every 2 s until `done` says so; false when the timeout came first. */
async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(2000);
  }
  return false;
}

interface Run {
  cfg: ReleaseBenchConfig;
  kc: EngineClusters;
  engine: RunningEngine;
  progress: (line: string) => void;
}

async function round({ cfg, kc, progress }: Run, sample: () => Promise<MemorySample>): Promise<ReleaseRound> {
  const all = names(cfg.n);
  const timeout = cfg.timeoutSeconds * 1000;
  const created = Date.now();
  await createObjects(kc.onboarding, all, cfg.crds);
  const ready = await waitFor(async () => {
    const c = await objectCounts(kc.onboarding);
    progress(`  ready ${c.ready}/${cfg.n} (${Math.round((Date.now() - created) / 1000)} s)`);
    return c.ready >= cfg.n;
  }, timeout);
  if (!ready) throw new Error(`not all ${cfg.n} Ready within ${cfg.timeoutSeconds} s`);
  const r: ReleaseRound = {
    readySeconds: Math.round((Date.now() - created) / 100) / 10,
    ready: await sample(),
    settle: [],
  };
  progress(`bench:release ready: engine ${r.ready.engineRssMiB} MiB, worker ${r.ready.workerRssMiB} MiB`);
  const deleted = Date.now();
  await deleteObjects(kc.onboarding, all);
  const gone = await waitFor(async () => {
    const c = await objectCounts(kc.onboarding);
    progress(`  left ${c.total}/${cfg.n} (${Math.round((Date.now() - deleted) / 1000)} s)`);
    return c.total === 0;
  }, timeout);
  if (!gone) throw new Error(`not all ${cfg.n} gone within ${cfg.timeoutSeconds} s`);
  r.goneSeconds = Math.round((Date.now() - deleted) / 100) / 10;
  r.crdsLeft = await releaseCrds(kc.mcp);
  r.gone = await sample();
  const settled = Date.now();
  while (Date.now() - settled < cfg.settleSeconds * 1000) {
    await sleep(5000);
    r.settle.push(await sample());
  }
  r.after = r.settle.at(-1);
  progress(`bench:release after: engine ${r.after?.engineRssMiB} MiB, worker ${r.after?.workerRssMiB} MiB`);
  return r;
}

async function phases(run: Run, r: ReleaseResults): Promise<void> {
  const t0 = Date.now();
  const sample = (): Promise<MemorySample> => sampleMemory(run.engine.controller.pid, run.engine.opsPort, t0);
  run.progress(`bench:release engine pid ${run.engine.controller.pid}`);
  await sleep(run.cfg.idleSeconds * 1000);
  r.idle = await sample();
  run.progress(`bench:release idle: engine ${r.idle.engineRssMiB} MiB, worker ${r.idle.workerRssMiB} MiB`);
  for (let i = 1; i <= run.cfg.rounds; i++) {
    run.progress(`bench:release round ${i} of ${run.cfg.rounds}`);
    r.rounds.push(await round(run, sample));
  }
}

export async function runReleaseBench(
  cfg: ReleaseBenchConfig,
  progress: (line: string) => void,
): Promise<ReleaseResults> {
  const { outDir: _out, ...config } = cfg;
  const r: ReleaseResults = {
    startedAt: new Date().toISOString(),
    commit: commit(),
    config,
    machine: { atStart: machineFacts() },
    ok: false,
    rounds: [],
  };
  progress("bench:release: compiling spe…");
  const spe = await buildSpe();
  const dir = await mkdtemp(join(tmpdir(), "spe-bench-release-"));
  const env = await startEnvironment({ roles: ["platform", "onboarding", "mcp"] });
  let engine: RunningEngine | undefined;
  try {
    const kc = clusters(env);
    engine = await startEngine(env, kc, {
      ...spe,
      dir,
      nodeArgs: cfg.speNodeArgs,
      args: cfg.speArgs,
      env: cfg.speEnv,
    });
    await phases({ cfg, kc, engine, progress }, r);
    r.ok = true;
  } catch (err) {
    r.error = err instanceof Error ? err.message : String(err);
    progress(`bench:release failed: ${r.error}`);
  } finally {
    await engine?.controller.stop();
    await env.stop();
    await rm(spe.dir, { recursive: true, force: true });
  }
  r.machine.atEnd = machineFacts();
  progress(`bench:release: engine log in ${dir}`);
  return r;
}
