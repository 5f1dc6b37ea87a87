/**
 * The scale benchmark: for each N and each system, a fresh private environment (platform,
 * onboarding, mcp from test/env), one scenario, results appended as they come.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { startEnvironment, type RunningEnvironment } from "../../test/env/environment.js";
import { VERSIONS } from "../../test/env/versions.js";
import { buildSpe } from "./build.js";
import type { BenchConfig, SystemName } from "./config.js";
import { machineFacts, type MachineFacts } from "./machine.js";
import { ensurePeer, PEER_MODULE, PEER_VERSION, PeerSystem } from "./peer.js";
import { runScenario, type ScenarioResult } from "./scenario.js";
import { SpeSystem } from "./spe.js";
import { SsaSystem } from "./ssa.js";
import type { BenchContext, Role, System } from "./types.js";
import { names } from "./util.js";

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  commit: string;
  config: Omit<BenchConfig, "outDir">;
  versions: typeof VERSIONS & { peer: string };
  machine: { atStart: MachineFacts; atEnd?: MachineFacts };
  peer: { module: string; version: string; available: boolean; error?: string };
  scenarios: ScenarioResult[];
}

function kubeConfigs(env: RunningEnvironment): Record<Role, KubeConfig> {
  const load = (role: Role): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(env.clusters[role].kubeconfigPath);
    return kc;
  };
  return { platform: load("platform"), onboarding: load("onboarding"), mcp: load("mcp") };
}

export function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

function systemFor(
  name: SystemName,
  ctx: BenchContext,
  cfg: BenchConfig,
  peerBin: string | undefined,
): System {
  switch (name) {
    case "spe-helm":
    case "spe-manifests":
      return new SpeSystem(ctx, name, {
        workers: cfg.speWorkers,
        nodeArgs: cfg.speNodeArgs,
        args: cfg.speArgs,
        workerEnv: cfg.helmWorkerEnv,
      });
    case "ssa":
      return new SsaSystem(ctx);
    case "helm-operator":
      if (!peerBin) throw new Error("peer not available");
      return new PeerSystem(ctx, peerBin);
  }
}

export async function runBench(
  cfg: BenchConfig,
  progress: (line: string) => void,
  onResult: (results: BenchResults) => Promise<void>,
): Promise<BenchResults> {
  const { outDir: _out, ...config } = cfg;
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    commit: commit(),
    config,
    versions: { ...VERSIONS, peer: `${PEER_MODULE}@${PEER_VERSION}` },
    machine: { atStart: machineFacts() },
    peer: { module: PEER_MODULE, version: PEER_VERSION, available: false },
    scenarios: [],
  };
  progress("bench: compiling spe…");
  const spe = await buildSpe();
  let peerBin: string | undefined;
  if (cfg.systems.includes("helm-operator")) {
    try {
      peerBin = await ensurePeer(progress);
      results.peer.available = true;
    } catch (err) {
      results.peer.error = err instanceof Error ? err.message : String(err);
      progress(`bench: peer unavailable: ${results.peer.error}`);
    }
  }
  const work = await mkdtemp(join(tmpdir(), "spe-bench-"));
  for (const n of cfg.sizes) {
    for (const name of cfg.systems) {
      if (name === "helm-operator" && !peerBin) continue;
      const dir = join(work, `${name}-${n}`);
      await mkdir(dir, { recursive: true });
      progress(`bench: ${name} N=${n}: starting a private environment…`);
      const env = await startEnvironment({ roles: ["platform", "onboarding", "mcp"] });
      try {
        const ctx: BenchContext = { env, kc: kubeConfigs(env), names: names(n), dir, spe, progress };
        results.scenarios.push(await runScenario(cfg, ctx, systemFor(name, ctx, cfg, peerBin)));
      } finally {
        await env.stop();
      }
      await onResult(results);
    }
  }
  // The compiled engine only; its links to node_modules etc. are removed, not followed.
  await rm(spe.dir, { recursive: true, force: true });
  results.finishedAt = new Date().toISOString();
  results.machine.atEnd = machineFacts();
  await onResult(results);
  progress(`bench: logs in ${work}`);
  return results;
}
