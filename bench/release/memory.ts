/**
 * What the engine and its helm worker hold at one moment: each process's RSS and open
 * sockets from /proc, and the engine's own account of its V8 heap and of the memory outside
 * it (Buffers, TLS) from its /metrics.
 */
import { readdir, readFile, readlink } from "node:fs/promises";
import { fetchMetrics, metricTotal } from "../scale/controller-metrics.js";
import { MiB, sampleProc } from "../scale/proc.js";
import { anonSummary, type AnonSummary } from "./smaps.js";

export interface MemorySample {
  /** Seconds since the run started. */
  at: number;
  engineRssMiB: number;
  workerRssMiB: number | null;
  /** Kernel high-water marks so far. */
  enginePeakMiB: number;
  workerPeakMiB: number | null;
  heapUsedMiB: number | null;
  heapTotalMiB: number | null;
  /** Memory of Buffers and other objects outside the V8 heap (Node's `external`). */
  externalMiB: number | null;
  engineSockets: number;
  workerSockets: number | null;
  /**
   * RSS split as the kernel accounts it: anonymous memory (heaps, buffers: what a process
   * holds) and file-backed pages (the binary and libraries as far as they were executed).
   */
  engineAnonMiB: number;
  engineFileMiB: number;
  workerAnonMiB: number | null;
  workerFileMiB: number | null;
  /** Where the engine's anonymous memory sits (smaps.ts). */
  engineAnon?: AnonSummary;
}

async function rssSplit(pid: number | undefined): Promise<{ anon: number; file: number } | undefined> {
  if (pid === undefined) return undefined;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { anon: Math.round(kib("RssAnon") / 102.4) / 10, file: Math.round(kib("RssFile") / 102.4) / 10 };
}

async function sockets(pid: number): Promise<number> {
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => "")));
  return links.filter((l) => l.startsWith("socket:")).length;
}

async function workerPid(pid: number): Promise<number | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const t of tasks) {
    const children = await readFile(`/proc/${pid}/task/${t}/children`, "utf8").catch(() => "");
    const first = children.split(" ").find(Boolean);
    if (first) return Number(first);
  }
  return undefined;
}

function mib(text: string | undefined, name: string): number | null {
  return text === undefined ? null : MiB(metricTotal(text, name));
}

export async function sampleMemory(pid: number, opsPort: number, t0: number): Promise<MemorySample> {
  const [proc, metrics, worker] = await Promise.all([sampleProc(pid), fetchMetrics(opsPort), workerPid(pid)]);
  const [engine, helm] = [proc.rssByProcess[0], proc.rssByProcess[1]];
  const [enginePeak, helmPeak] = [proc.peakRssByProcess[0], proc.peakRssByProcess[1]];
  return {
    at: Math.round((Date.now() - t0) / 1000),
    engineRssMiB: MiB(engine?.rssBytes ?? 0),
    workerRssMiB: helm ? MiB(helm.rssBytes) : null,
    enginePeakMiB: MiB(enginePeak?.peakRssBytes ?? 0),
    workerPeakMiB: helmPeak ? MiB(helmPeak.peakRssBytes) : null,
    heapUsedMiB: mib(metrics, "nodejs_heap_size_used_bytes"),
    heapTotalMiB: mib(metrics, "nodejs_heap_size_total_bytes"),
    externalMiB: mib(metrics, "nodejs_external_memory_bytes"),
    engineSockets: await sockets(pid),
    workerSockets: worker === undefined ? null : await sockets(worker),
    ...(await split(pid, worker)),
    ...(await anonSummary(pid).then((a) => (a ? { engineAnon: a } : {}))),
  };
}

async function split(
  pid: number,
  worker: number | undefined,
): Promise<Pick<MemorySample, "engineAnonMiB" | "engineFileMiB" | "workerAnonMiB" | "workerFileMiB">> {
  const [engine, helm] = await Promise.all([rssSplit(pid), rssSplit(worker)]);
  return {
    engineAnonMiB: engine?.anon ?? 0,
    engineFileMiB: engine?.file ?? 0,
    workerAnonMiB: helm?.anon ?? null,
    workerFileMiB: helm?.file ?? null,
  };
}
