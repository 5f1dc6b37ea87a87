/**
 * The soak's fault injector: one fault at a time, each bounded in time, each on this run's
 * own processes and loopback connections only (the engine it started, that engine's helm
 * workers found by their marker, its private environment's apiservers, its fault proxy).
 */
import { KubeClient } from "../../src/kube/client.js";
import type { RunningEnvironment } from "../../test/env/environment.js";
import type { ManagedProcess } from "../../test/env/processes.js";
import { restartApiserver } from "../../test/env/restart-apiserver.js";
import { isWatch } from "../../test/support/fault-proxy.js";
import { between, pick, type Random } from "../../test/support/seeded-random.js";
import { sleep, until } from "../scale/util.js";
import { apply, type Clusters, type Role, type TargetAccess } from "./access.js";
import type { SoakEngine } from "./engine.js";
import type { SoakProvider } from "./providers.js";

export interface FaultContext {
  env: RunningEnvironment;
  kc: Clusters;
  engine: SoakEngine;
  access: TargetAccess;
  providers: SoakProvider[];
  /** Apiservers started again by a restart, to stop at the end. */
  restarted: Map<Role, ManagedProcess>;
}

/** A fault; what it returns is a detail for the log (which object, which process). */
type Fault = (ctx: FaultContext, random: Random) => Promise<string>;

function anyObject(ctx: FaultContext, random: Random): { provider: SoakProvider; name: string } {
  const provider = pick(random, ctx.providers);
  return { provider, name: pick(random, provider.names) };
}

async function signalWorker(
  ctx: FaultContext,
  random: Random,
  signal: "SIGKILL" | "SIGSTOP",
): Promise<string> {
  const live = (await ctx.engine.workers()).filter((w) => w.ours);
  if (live.length === 0) return "no worker running";
  const { pid } = pick(random, live);
  process.kill(pid, signal);
  if (signal === "SIGKILL") return `worker ${pid}`;
  const ms = between(random, 2_000, 15_000);
  await sleep(ms);
  try {
    process.kill(pid, "SIGCONT");
  } catch {
    return `worker ${pid} stopped; gone before SIGCONT (${ms} ms)`;
  }
  return `worker ${pid} stopped ${ms} ms`;
}

export const FAULTS: Record<string, Fault> = {
  killEngine: async (ctx, random) => {
    const pid = ctx.engine.pid();
    await ctx.engine.kill();
    const down = between(random, 500, 3_000);
    await sleep(down);
    await ctx.engine.start();
    return `engine ${pid} SIGKILLed, down ${down} ms, now ${ctx.engine.pid()}`;
  },
  killWorker: (ctx, random) => signalWorker(ctx, random, "SIGKILL"),
  stopWorker: (ctx, random) => signalWorker(ctx, random, "SIGSTOP"),
  restartApiserver: async (ctx, random) => {
    const role = pick(random, ["platform", "onboarding", "mcp"] as const);
    const down = between(random, 1_000, 5_000);
    ctx.restarted.set(role, await restartApiserver(ctx.env.runDir, role, down));
    await until(
      `${role} apiserver serving`,
      async () =>
        (await KubeClient.for(ctx.kc[role])
          .list("v1", "Namespace")
          .catch(() => undefined))
          ? true
          : undefined,
      120_000,
      200,
    );
    return `${role}, down ${down} ms`;
  },
  rotateCredentials: async (ctx) => {
    await ctx.access.rotate();
    return `identity ${ctx.access.rotations}`;
  },
  cutConnections: (ctx) => Promise.resolve(`${ctx.access.proxy.cut()} connections`),
  halfOpenWatches: (ctx) => Promise.resolve(`${ctx.access.proxy.halfOpen(isWatch)} watches`),
  pauseTraffic: async (ctx, random) => {
    const ms = between(random, 1_000, 5_000);
    ctx.access.proxy.pause();
    await sleep(ms);
    ctx.access.proxy.resume();
    return `${ms} ms`;
  },
  tooManyRequests: async (ctx, random) => {
    const ms = between(random, 1_000, 4_000);
    ctx.access.proxy.meet({ kind: "tooManyRequests", retryAfterSeconds: 1 });
    ctx.access.proxy.cut((c) => !isWatch(c));
    await sleep(ms);
    ctx.access.proxy.meet({ kind: "forward" });
    return `${ms} ms`;
  },
  blackhole: async (ctx, random) => {
    const ms = between(random, 1_000, 4_000);
    ctx.access.proxy.meet({ kind: "blackhole" });
    await sleep(ms);
    ctx.access.proxy.meet({ kind: "forward" });
    return `${ms} ms`;
  },
  editDeployed: async (ctx, random) => {
    const { provider, name } = anyObject(ctx, random);
    const target = pick(
      random,
      provider.deployed(name).filter((d) => d.kind !== "Service"),
    );
    const patch = target.kind === "ConfigMap" ? { data: { greeting: "chaos" } } : { spec: { replicas: 3 } };
    const apiVersion = target.kind === "ConfigMap" ? "v1" : "apps/v1";
    await KubeClient.for(ctx.kc.mcp).mergePatch(
      { apiVersion, kind: target.kind, namespace: target.namespace, name: target.name },
      patch,
      "kubectl-edit",
    );
    return `${target.kind} ${target.namespace}/${target.name}`;
  },
  deleteDeployed: async (ctx, random) => {
    const { provider, name } = anyObject(ctx, random);
    const target = pick(random, provider.deployed(name));
    const apiVersion = target.kind === "Deployment" ? "apps/v1" : "v1";
    await KubeClient.for(ctx.kc.mcp).delete({
      apiVersion,
      kind: target.kind,
      namespace: target.namespace,
      name: target.name,
    });
    return `${target.kind} ${target.namespace}/${target.name}`;
  },
  recreateObject: async (ctx, random) => {
    const { provider, name } = anyObject(ctx, random);
    const ref = { apiVersion: provider.apiVersion, kind: provider.kind, namespace: provider.namespace, name };
    const client = KubeClient.for(ctx.kc.onboarding);
    const t0 = Date.now();
    await client.delete(ref);
    // Created again only once gone: an apply while it terminates would be lost with it.
    const gone = await until(
      "API object deleted",
      async () => ((await client.get(ref)) ? undefined : true),
      300_000,
      250,
    ).catch(() => false);
    if (!gone) throw new Error(`${provider.kind} ${name} not gone within 300 s of its deletion`);
    await apply(ctx.kc.onboarding, provider.object(name));
    return `${provider.kind} ${name}: gone in ${Date.now() - t0} ms, created again`;
  },
};

export interface FaultRecord {
  kind: string;
  /** Milliseconds since the chaos started. */
  start: number;
  end: number;
  detail: string;
  error?: string;
}

/** The engine died without a SIGKILL from the soak (or a restart failed): a finding, and it is started again. */
async function restartLostEngine(ctx: FaultContext, t0: number): Promise<FaultRecord> {
  const start = Date.now() - t0;
  const record: FaultRecord = {
    kind: "engineLost",
    start,
    end: start,
    detail: "engine not running; started again",
  };
  await ctx.engine.start().catch((err: unknown) => {
    record.error = err instanceof Error ? err.message : String(err);
  });
  record.end = Date.now() - t0;
  return record;
}

/** Runs faults until `endAt`, each followed by a random gap; records what was done. */
export async function injectFaults(
  ctx: FaultContext,
  random: Random,
  window: { t0: number; endAt: number; gapMs: [number, number] },
  log: (record: FaultRecord) => void,
): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const kinds = Object.keys(FAULTS);
  while (Date.now() < window.endAt) {
    if (ctx.engine.pid() === undefined) records.push(await restartLostEngine(ctx, window.t0));
    const kind = pick(random, kinds);
    const start = Date.now() - window.t0;
    const record: FaultRecord = { kind, start, end: start, detail: "" };
    try {
      record.detail = await FAULTS[kind]!(ctx, random);
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    }
    record.end = Date.now() - window.t0;
    records.push(record);
    log(record);
    await sleep(Math.min(between(random, ...window.gapMs), Math.max(0, window.endAt - Date.now())));
  }
  return records;
}
