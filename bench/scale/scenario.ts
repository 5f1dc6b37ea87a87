/**
 * One scenario: one system, N API objects, on a fresh private environment. Phases: create
 * and wait until the system reports all N done and all N Deployments are Available; a quiet
 * steady-state window; then drift. The controller's RSS and CPU come from /proc.
 */
import { perObject, requestCounts, rate, type RequestCounts } from "./apiserver.js";
import type { BenchConfig, SystemName } from "./config.js";
import { controllerDelta, snapshotOf, type ControllerDelta } from "./controller-metrics.js";
import { measureDrift, type DriftResult } from "./drift.js";
import { availableDeployments } from "./kube.js";
import { MiB, sampleProc, type ProcSample } from "./proc.js";
import type { BenchContext, Role, System } from "./types.js";
import { round, sleep } from "./util.js";

export interface ReadyResult {
  /** Seconds from the first create until the system reported all N and all N Deployments were Available. */
  seconds: number | null;
  reportedSeconds: number | null;
  availableSeconds: number | null;
  reported: number;
  available: number;
  cpuSeconds: number | null;
  /** CPU seconds of the controller's children (spe: its helm worker; reaped ones included). */
  childCpuSeconds: number | null;
  helmProcesses: number | null;
  helmOperations: number | null;
  rssMiB: number | null;
  /** The controller's own account of the phase (queue wait, reconcile time), if it has one. */
  controller?: ControllerDelta;
  /** Requests each apiserver served per API object over the phase (all clients), the most frequent kinds. */
  requestsPerObject?: Record<Role, Record<string, number>>;
}

export interface SteadyResult {
  seconds: number;
  /** CPU seconds of the controller and its children over the window. */
  cpuSeconds: number | null;
  /** Of those, the children's (spe's helm worker). */
  childCpuSeconds: number | null;
  /** CPU as percent of one core over the window. */
  cpuPercentOfCore: number | null;
  helmProcesses: number | null;
  helmOperations: number | null;
  /** Requests per second each apiserver served in the window (all clients, by verb and total). */
  apiRequestsPerSecond: Record<Role, Record<string, number>>;
}

export interface ScenarioResult {
  system: SystemName;
  description: string;
  n: number;
  ok: boolean;
  error?: string;
  ready?: ReadyResult;
  steady?: SteadyResult;
  drift?: DriftResult;
  /** Kernel high-water mark of the controller's RSS over the whole scenario. */
  peakRssMiB?: number | null;
  /** The same, per process of the controller's tree (spe: the engine, then its helm worker). */
  peakRssMiBByProcess?: Record<string, number>;
  endRssMiB?: number | null;
}

const ROLES: Role[] = ["platform", "onboarding", "mcp"];

async function sample(system: System): Promise<ProcSample | undefined> {
  const pid = system.pid();
  return pid === undefined ? undefined : sampleProc(pid);
}

const cpuDelta = (a?: ProcSample, b?: ProcSample): number | null =>
  a && b ? round(b.cpuSeconds - a.cpuSeconds) : null;

const childCpuDelta = (a?: ProcSample, b?: ProcSample): number | null =>
  a && b ? round(b.childCpuSeconds - a.childCpuSeconds) : null;

interface HelmCounts {
  processes: number | undefined;
  operations: number | undefined;
}

async function helmCounts(system: System): Promise<HelmCounts> {
  return { processes: await system.helmProcesses(), operations: await system.helmOperations() };
}

const delta = (a: number | undefined, b: number | undefined): number | null =>
  a === undefined || b === undefined ? null : b - a;

interface Progress {
  reported: number;
  available: number;
  reportedAt?: number;
  availableAt?: number;
}

/** Polls once a second until the system reports all N and all N Deployments are Available. */
async function poll(
  ctx: BenchContext,
  system: System,
  deadline: { t0: number; timeoutMs: number },
  state: { failure?: Error },
): Promise<Progress> {
  const { t0, timeoutMs } = deadline;
  const n = ctx.names.length;
  const p: Progress = { reported: 0, available: 0 };
  while (Date.now() - t0 < timeoutMs && (p.reportedAt === undefined || p.availableAt === undefined)) {
    if (state.failure) throw state.failure;
    await sleep(1000);
    [p.reported, p.available] = await Promise.all([system.reportedReady(), availableDeployments(ctx.kc.mcp)]);
    if (p.reportedAt === undefined && p.reported >= n) p.reportedAt = Date.now();
    if (p.availableAt === undefined && p.available >= n) p.availableAt = Date.now();
    ctx.progress(
      `  ${system.name} N=${n}: reported ${p.reported}, available ${p.available} (${Math.round((Date.now() - t0) / 1000)} s)`,
    );
  }
  return p;
}

async function waitReady(ctx: BenchContext, system: System, timeoutMs: number): Promise<ReadyResult> {
  const t0 = Date.now();
  const cpu0 = await sample(system);
  const helm0 = await helmCounts(system);
  const metrics0 = await snapshotOf(system);
  const req0 = await allCounts(ctx);
  const state: { failure?: Error } = {};
  const creating = system.create().catch((err: unknown) => {
    state.failure = err instanceof Error ? err : new Error(String(err));
  });
  const { reported, available, reportedAt, availableAt } = await poll(ctx, system, { t0, timeoutMs }, state);
  await creating;
  const cpu1 = await sample(system);
  const metrics1 = await snapshotOf(system);
  const req1 = await allCounts(ctx);
  const n = ctx.names.length;
  const secs = (t?: number): number | null => (t === undefined ? null : round((t - t0) / 1000, 1));
  return {
    seconds:
      reportedAt !== undefined && availableAt !== undefined ? secs(Math.max(reportedAt, availableAt)) : null,
    reportedSeconds: secs(reportedAt),
    availableSeconds: secs(availableAt),
    reported,
    available,
    cpuSeconds: cpuDelta(cpu0, cpu1),
    childCpuSeconds: childCpuDelta(cpu0, cpu1),
    ...(await helmCounts(system).then((helm1) => ({
      helmProcesses: delta(helm0.processes, helm1.processes),
      helmOperations: delta(helm0.operations, helm1.operations),
    }))),
    rssMiB: cpu1 ? MiB(cpu1.rssBytes) : null,
    ...(metrics0 && metrics1 ? { controller: controllerDelta(metrics0, metrics1) } : {}),
    requestsPerObject: Object.fromEntries(ROLES.map((r) => [r, perObject(req0[r], req1[r], n)])) as Record<
      Role,
      Record<string, number>
    >,
  };
}

async function allCounts(ctx: BenchContext): Promise<Record<Role, RequestCounts>> {
  const counts = await Promise.all(ROLES.map((r) => requestCounts(ctx.kc[r])));
  return Object.fromEntries(ROLES.map((r, i) => [r, counts[i]])) as Record<Role, RequestCounts>;
}

async function steady(ctx: BenchContext, system: System, seconds: number): Promise<SteadyResult> {
  const [cpu0, helm0, req0] = [await sample(system), await helmCounts(system), await allCounts(ctx)];
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const [cpu1, helm1, req1] = [await sample(system), await helmCounts(system), await allCounts(ctx)];
  const elapsed = (Date.now() - t0) / 1000;
  // The controller and its children (spe's helm worker): every process the system runs.
  const own = cpuDelta(cpu0, cpu1);
  const children = childCpuDelta(cpu0, cpu1);
  const cpu = own === null ? null : round(own + (children ?? 0));
  return {
    seconds: round(elapsed, 1),
    cpuSeconds: cpu,
    childCpuSeconds: children,
    cpuPercentOfCore: cpu === null ? null : round((cpu / elapsed) * 100),
    helmProcesses: delta(helm0.processes, helm1.processes),
    helmOperations: delta(helm0.operations, helm1.operations),
    apiRequestsPerSecond: Object.fromEntries(
      ROLES.map((r) => [r, rate(req0[r], req1[r], elapsed)]),
    ) as Record<Role, Record<string, number>>,
  };
}

export async function runScenario(
  cfg: BenchConfig,
  ctx: BenchContext,
  system: System,
): Promise<ScenarioResult> {
  const n = ctx.names.length;
  const result: ScenarioResult = { system: system.name, description: system.description, n, ok: false };
  try {
    await system.start();
    ctx.progress(`bench: ${system.name} N=${n} started`);
    result.ready = await waitReady(ctx, system, cfg.readyTimeoutSeconds * 1000);
    if (result.ready.seconds === null)
      throw new Error(`not all ${n} Ready within ${cfg.readyTimeoutSeconds} s`);
    ctx.progress(
      `bench: ${system.name} N=${n} Ready in ${result.ready.seconds} s; steady state ${cfg.steadySeconds} s…`,
    );
    result.steady = await steady(ctx, system, cfg.steadySeconds);
    if (system.correctsDrift && cfg.driftCount > 0)
      result.drift = await measureDrift(ctx, system, cfg.driftCount);
    result.ok = true;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    ctx.progress(`bench: ${system.name} N=${n} failed: ${result.error}`);
  } finally {
    const last = await sample(system).catch(() => undefined);
    result.peakRssMiB = last ? MiB(last.peakRssBytes) : null;
    if (last)
      result.peakRssMiBByProcess = Object.fromEntries(
        last.peakRssByProcess.map((p) => [p.command, MiB(p.peakRssBytes)]),
      );
    result.endRssMiB = last ? MiB(last.rssBytes) : null;
    await system.stop();
  }
  return result;
}
