/**
 * Starts a whole test environment: one etcd shared by every cluster through
 * separate prefixes, then one kube-apiserver per cluster role (plus workload
 * controllers where asked), all on free loopback ports.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureBinaries, type Progress } from "./build.js";
import { startCluster, type ClusterSpec, type RunningCluster } from "./cluster.js";
import { createPki, readPem } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, stopAll, type ManagedProcess } from "./processes.js";
import type { ClusterRole, TestEnvironment } from "./types.js";
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
    const results = await Promise.allSettled(
      roles.map((role) =>
        startCluster(DEFAULT_CLUSTERS[role], { binaries, pki, pem, etcdUrl, runDir, progress }),
      ),
    );
    const started: RunningCluster[] = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    for (const cluster of started) processes.push(...cluster.processes);
    const failure = results.find((r) => r.status === "rejected");
    if (failure) throw failure.reason;
    const clusters = Object.fromEntries(
      started.map((c) => [c.info.name, c.info]),
    ) as TestEnvironment["clusters"];
    const env = { clusters, binaries, runDir, stop };
    await writeFile(join(runDir, "environment.json"), JSON.stringify({ clusters, binaries }, null, 2));
    return env;
  } catch (err) {
    // A cluster that failed half-way has processes no list above holds: stop every one this process started.
    await stopAll();
    progress(`test/env: start failed; logs kept in ${runDir}`);
    throw err;
  }
}
