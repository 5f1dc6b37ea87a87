/**
 * The chaos soak on a fresh private environment (platform, onboarding, mcp from test/env):
 * the three providers' objects brought Ready, faults injected for the run's duration while
 * readiness, memory and mcp's state are sampled, then the settle after the last fault, the
 * state at the end and a last drift probe.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { startEnvironment, type RunningEnvironment } from "../../test/env/environment.js";
import type { ManagedProcess } from "../../test/env/processes.js";
import { KubeClient } from "../../src/kube/client.js";
import { seededRandom } from "../../test/support/seeded-random.js";
import { buildSpe } from "../scale/build.js";
import { machineFacts, type MachineFacts } from "../scale/machine.js";
import { commit } from "../scale/run.js";
import { pool, round, until } from "../scale/util.js";
import { apply, TargetAccess, type Clusters, type Role } from "./access.js";
import { invariants, recovery, rssVerdict, type Invariant, type Verdicts } from "./analysis.js";
import { notReadyReasons, problemCount, problems, readyCount } from "./checks.js";
import type { SoakConfig } from "./config.js";
import { SoakEngine } from "./engine.js";
import { injectFaults, type FaultContext, type FaultRecord } from "./faults.js";
import { Monitor, type Sample } from "./monitor.js";
import { soakProviders, type SoakProvider } from "./providers.js";

export interface SoakResults {
  startedAt: string;
  finishedAt?: string;
  commit: string;
  config: Omit<SoakConfig, "outDir">;
  providers: { id: string; kind: string; objects: number }[];
  machine: { atStart: MachineFacts; atEnd?: MachineFacts };
  ok: boolean;
  error?: string;
  /** Seconds from the first create until every object was Ready, before any fault. */
  readySeconds?: number;
  faults: FaultRecord[];
  faultCounts: Record<string, number>;
  engineStarts?: number;
  verdicts?: Verdicts;
  invariants: Invariant[];
  samples: Sample[];
  logs?: string;
}

function clusters(env: RunningEnvironment): Clusters {
  const load = (role: Role): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromFile(env.clusters[role].kubeconfigPath);
    return kc;
  };
  return { platform: load("platform"), onboarding: load("onboarding"), mcp: load("mcp") };
}

const totalOf = (providers: SoakProvider[]): number => providers.reduce((n, p) => n + p.names.length, 0);

async function setUp(kc: Clusters, providers: SoakProvider[], access: TargetAccess): Promise<void> {
  for (const ns of new Set(providers.map((p) => p.namespace)))
    for (const role of ["platform", "onboarding"] as const)
      await apply(kc[role], { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await access.rotate();
}

async function bringReady(
  kc: Clusters,
  providers: SoakProvider[],
  timeoutMs: number,
  progress: (l: string) => void,
): Promise<number> {
  for (const p of providers)
    await until(
      "ProviderConfig applied",
      async () => apply(kc.platform, p.config).then(() => true),
      120_000,
      500,
    );
  const t0 = Date.now();
  const objects = providers.flatMap((p) => p.names.map((name) => ({ p, name })));
  await pool(objects, 16, async ({ p, name }) => {
    await until(
      `${p.kind} ${name} created`,
      () => apply(kc.onboarding, p.object(name)).then(() => true),
      60_000,
      500,
    );
  });
  const total = totalOf(providers);
  await until(
    `all ${total} Ready`,
    async () => {
      const ready = await readyCount(kc, providers);
      progress(`soak: ${ready}/${total} Ready (${Math.round((Date.now() - t0) / 1000)} s)`);
      return ready === total ? true : undefined;
    },
    timeoutMs,
    5_000,
  );
  return round((Date.now() - t0) / 1000, 1);
}

/** Seconds from `since` (the last fault's end) until every object is Ready and nothing is wrong on mcp (null past `waitMs`). */
async function settle(
  kc: Clusters,
  providers: SoakProvider[],
  since: number,
  waitMs: number,
): Promise<number | null> {
  const t0 = since;
  const total = totalOf(providers);
  const done = await until(
    "settled",
    async () =>
      (await readyCount(kc, providers)) === total && problemCount(await problems(kc, providers)) === 0
        ? true
        : undefined,
    waitMs,
    1_000,
  ).catch(() => false);
  return done ? round((Date.now() - t0) / 1000, 1) : null;
}

/**
 * Drift made after the chaos (one edit, one delete) is corrected, within the bound in which
 * spe notices a silent watch (75 s) and a margin, if no watch was left dead for good.
 */
export const PROBE_BOUND_MS = 90_000;

async function driftProbe(ctx: FaultContext): Promise<number | null> {
  const [helm, manifests] = ctx.providers;
  const edited = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: helm!.namespace,
    name: helm!.names[0]!,
  };
  const deleted = {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: manifests!.namespace,
    name: manifests!.names[0]!,
  };
  const mcp = KubeClient.for(ctx.kc.mcp);
  await mcp.mergePatch(edited, { spec: { replicas: 3 } }, "kubectl-edit");
  await mcp.delete(deleted);
  const t0 = Date.now();
  const ok = await until(
    "drift corrected",
    async () => {
      const [d, c] = await Promise.all([mcp.get(edited), mcp.get(deleted)]);
      return (d?.spec as { replicas?: number } | undefined)?.replicas === 1 && c ? true : undefined;
    },
    PROBE_BOUND_MS,
    200,
  ).catch(() => false);
  return ok ? Date.now() - t0 : null;
}

function counts(faults: FaultRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of faults) out[f.kind] = (out[f.kind] ?? 0) + 1;
  return out;
}

interface Running {
  env: RunningEnvironment;
  engine: SoakEngine;
  access: TargetAccess;
  restarted: Map<Role, ManagedProcess>;
}

async function chaos(
  cfg: SoakConfig,
  r: Running,
  results: SoakResults,
  progress: (l: string) => void,
): Promise<void> {
  const kc = clusters(r.env);
  const providers = soakProviders(cfg.objects);
  const ctx: FaultContext = {
    env: r.env,
    kc,
    engine: r.engine,
    access: r.access,
    providers,
    restarted: r.restarted,
  };
  const total = totalOf(providers);
  const monitor = new Monitor(kc, providers, r.engine, { sampleMs: cfg.sampleMs, problemsEvery: 12 });
  const t0 = Date.now();
  monitor.start(t0);
  try {
    results.faults = await injectFaults(
      ctx,
      seededRandom(cfg.seed),
      { t0, endAt: t0 + cfg.durationMs, gapMs: cfg.gapMs },
      (f) => {
        progress(
          `soak ${Math.round(f.end / 1000)} s: ${f.kind} ${f.detail}${f.error ? ` (error: ${f.error})` : ""}`,
        );
      },
    );
    r.access.calm();
    const chaosMs = Date.now() - t0;
    const lastEnd = t0 + (results.faults.at(-1)?.end ?? chaosMs);
    const settleSeconds = await settle(kc, providers, lastEnd, cfg.settleMs + 240_000);
    const end = await problems(kc, providers);
    const notReadyAtEnd = total - (await readyCount(kc, providers).catch(() => 0));
    const notReadyReasonsAtEnd = await notReadyReasons(kc, providers).catch(() => ({}));
    const driftAfterCorrectedMs = await driftProbe(ctx);
    await monitor.stop();
    const during = monitor.samples.filter((s) => s.t <= chaosMs);
    results.verdicts = {
      settleSeconds,
      settleBoundSeconds: cfg.settleMs / 1000,
      end,
      notReadyAtEnd,
      notReadyReasons: notReadyReasonsAtEnd,
      strayWorkersMax: Math.max(0, ...during.map((s) => s.strayWorkers)),
      strayWorkersAtEnd: (await r.engine.workers()).filter((w) => !w.ours).length,
      driftAfterCorrectedMs,
      recovery: recovery(results.faults, monitor.samples, total, cfg.settleMs),
      rss: rssVerdict(monitor.samples, chaosMs, cfg.rssWindowMs),
    };
    results.invariants = invariants(results.verdicts);
    results.ok = results.invariants.every((i) => i.held);
  } finally {
    await monitor.stop();
    results.samples = monitor.samples;
  }
}

export async function runSoak(cfg: SoakConfig, progress: (line: string) => void): Promise<SoakResults> {
  const { outDir: _out, ...config } = cfg;
  const providers = soakProviders(cfg.objects);
  const results: SoakResults = {
    startedAt: new Date().toISOString(),
    commit: commit(),
    config,
    providers: providers.map((p) => ({ id: p.id, kind: p.kind, objects: p.names.length })),
    machine: { atStart: machineFacts() },
    ok: false,
    faults: [],
    faultCounts: {},
    invariants: [],
    samples: [],
  };
  progress(`soak: seed ${cfg.seed}; compiling spe…`);
  const spe = await buildSpe();
  const dir = await mkdtemp(join(tmpdir(), "spe-soak-"));
  results.logs = dir;
  progress("soak: starting a private environment…");
  const env = await startEnvironment({ roles: ["platform", "onboarding", "mcp"] });
  const kc = clusters(env);
  const engine = new SoakEngine(env, spe, dir, randomBytes(6).toString("hex"));
  const access = await TargetAccess.start(env, kc, providers);
  const restarted = new Map<Role, ManagedProcess>();
  try {
    await setUp(kc, providers, access);
    await engine.prepare(providers);
    await engine.start();
    results.readySeconds = await bringReady(kc, providers, cfg.readyTimeoutMs, progress);
    progress(`soak: all Ready in ${results.readySeconds} s; faults for ${cfg.durationMs / 60_000} min`);
    await chaos(cfg, { env, engine, access, restarted }, results, progress);
  } catch (err) {
    results.error = err instanceof Error ? err.message : String(err);
    progress(`soak: failed: ${results.error}`);
  } finally {
    results.faultCounts = counts(results.faults);
    results.engineStarts = engine.starts;
    await engine.stop();
    await access.proxy.close();
    for (const p of restarted.values()) await p.stop();
    await env.stop();
    results.finishedAt = new Date().toISOString();
    results.machine.atEnd = machineFacts();
  }
  return results;
}
