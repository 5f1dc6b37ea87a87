/**
 * Starts a whole test environment: one etcd shared by every cluster through
 * separate prefixes, then one kube-apiserver per cluster role (plus workload
 * controllers where asked) and the OCI registry beside them, all on free
 * loopback ports.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries, type Progress } from "./build.js";
import { startCluster, type ClusterSpec, type RunningCluster } from "./cluster.js";
import { createPki, readPem } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, stopAll, type ManagedProcess } from "./processes.js";
import { startRegistry, type RegistryDeps } from "./registry.js";
import { pushPrivateChart, startChartRepo } from "./private-charts.js";
import type { ChartRepoInfo, ClusterRole, RegistryInfo, TestEnvironment } from "./types.js";
import { waitHealthy } from "./wait.js";

export const DEFAULT_CLUSTERS: Record<ClusterRole, ClusterSpec> = {
  platform: { name: "platform", workloads: false },
  onboarding: { name: "onboarding", workloads: false },
  mcp: { name: "mcp", workloads: true },
  workload: { name: "workload", workloads: true },
};

export interface RunningEnvironment extends TestEnvironment {
  runDir: string;
  stop(): Promise<void>;
}

async function startEtcd(etcd: string, runDir: string): Promise<[ManagedProcess, string]> {
  const [client, peer] = await Promise.all([freePort(), freePort()]);
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const proc = startProcess(
    "etcd",
    etcd,
    [
      "--name=spe-testenv",
      `--data-dir=${join(runDir, "etcd")}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=spe-testenv=${peerUrl}`,
      "--unsafe-no-fsync",
      "--quota-backend-bytes=8589934592",
      "--log-level=warn",
    ],
    join(runDir, "etcd.log"),
  );
  await waitHealthy(proc, `${clientUrl}/health`);
  return [proc, clientUrl];
}

export interface StartOptions {
  roles?: readonly ClusterRole[];
  progress?: Progress;
  /** Keep the run folder (logs, etcd data) after stop, for debugging. */
  keepRunDir?: boolean;
  /**
   * Start the OCI registry (with the private fixture chart pushed to it) and the HTTPS chart
   * repository too (default true; they start beside the clusters in seconds).
   */
  registry?: boolean;
}

interface PrivateSources {
  processes: ManagedProcess[];
  registry: RegistryInfo;
  chartRepo: ChartRepoInfo;
}

/** The registry (with the private fixture chart pushed to it) and the HTTPS chart repository. */
async function privateSources(deps: RegistryDeps): Promise<PrivateSources> {
  const started = await Promise.allSettled([
    startRegistry(deps),
    startChartRepo({ helm: deps.binaries.helm, pki: deps.pki, runDir: deps.runDir }),
  ]);
  const processes = started.flatMap((r) => (r.status === "fulfilled" ? [r.value[0]] : []));
  const [registry, chartRepo] = started;
  if (registry.status === "rejected" || chartRepo.status === "rejected") {
    await Promise.all(processes.map((p) => p.stop()));
    throw registry.status === "rejected" ? registry.reason : (chartRepo as PromiseRejectedResult).reason;
  }
  const info = registry.value[1];
  const privateChart = await pushPrivateChart(
    { helm: deps.binaries.helm, pki: deps.pki, runDir: deps.runDir },
    info,
  ).catch(async (err: unknown) => {
    await Promise.all(processes.map((p) => p.stop()));
    throw err;
  });
  return { processes, registry: { ...info, privateChart }, chartRepo: chartRepo.value[1] };
}

async function maybeRegistry(wanted: boolean, deps: RegistryDeps): Promise<PrivateSources | undefined> {
  return wanted ? privateSources(deps) : undefined;
}

export async function startEnvironment(options: StartOptions = {}): Promise<RunningEnvironment> {
  const progress = options.progress ?? (() => undefined);
  const roles = options.roles ?? (Object.keys(DEFAULT_CLUSTERS) as ClusterRole[]);
  const binaries = await ensureBinaries(progress);
  const runDir = await mkdtemp(join(tmpdir(), "spe-testenv-"));
  const processes: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const p of processes.reverse()) await p.stop();
    if (!options.keepRunDir) await rm(runDir, { recursive: true, force: true });
  };
  try {
    const pki = await createPki(runDir);
    const pem = await readPem(pki);
    const [etcd, etcdUrl] = await startEtcd(binaries.etcd, runDir);
    processes.push(etcd);
    progress(`test/env: starting clusters ${roles.join(", ")}…`);
    const registryStart = maybeRegistry(options.registry ?? true, { binaries, pki, pem, runDir });
    // awaited below, after the clusters; until then a failure must not count as unhandled
    registryStart.catch(() => undefined);
    const results = await Promise.allSettled(
      roles.map((role) =>
        startCluster(DEFAULT_CLUSTERS[role], { binaries, pki, pem, etcdUrl, runDir, progress }),
      ),
    );
    const started: RunningCluster[] = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    for (const cluster of started) processes.push(...cluster.processes);
    const sources = await registryStart;
    if (sources) processes.push(...sources.processes);
    const failure = results.find((r) => r.status === "rejected");
    if (failure) throw failure.reason;
    const clusters = Object.fromEntries(
      started.map((c) => [c.info.name, c.info]),
    ) as TestEnvironment["clusters"];
    const shared: TestEnvironment = {
      clusters,
      binaries,
      registry: sources?.registry,
      chartRepo: sources?.chartRepo,
    };
    await writeFile(join(runDir, "environment.json"), JSON.stringify(shared, null, 2), { mode: 0o600 });
    return { ...shared, runDir, stop };
  } catch (err) {
    // A cluster that failed half-way has processes no list above holds: stop every one this process started.
    await stopAll();
    progress(`test/env: start failed; logs kept in ${runDir}`);
    throw err;
  }
}
