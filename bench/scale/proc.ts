/**
 * Resource use of a controller from /proc: the process and its live descendants (spe's helm
 * worker), so a system is charged for every process it runs. RSS, kernel-tracked peak RSS,
 * CPU seconds.
 */
import { readdir, readFile } from "node:fs/promises";
import { basename } from "node:path";
import { execFileSync } from "node:child_process";

export interface ProcSample {
  /** VmRSS of the process and its live descendants. */
  rssBytes: number;
  /**
   * VmHWM (the kernel's high-water mark of RSS) of the process plus that of each live
   * descendant: an upper bound of the tree's peak, since the peaks need not coincide.
   */
  peakRssBytes: number;
  /** utime + stime of the process itself. */
  cpuSeconds: number;
  /** CPU of its children: live descendants (spe's helm worker) and reaped ones (helm processes). */
  childCpuSeconds: number;
  /** VmHWM of each process of the tree, by command name (the root first). */
  peakRssByProcess: { command: string; peakRssBytes: number }[];
  /** VmRSS of each process of the tree, by command name (the root first). */
  rssByProcess: { command: string; rssBytes: number }[];
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function kib(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

interface OneProcess {
  command: string;
  rss: number;
  peakRss: number;
  cpu: number;
  reapedChildrenCpu: number;
}

async function sampleOne(pid: number): Promise<OneProcess> {
  const [status, stat, cmdline] = await Promise.all([
    readFile(`/proc/${pid}/status`, "utf8"),
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""),
  ]);
  // Fields after the parenthesised command name: state is field 3, utime 14 … cstime 17.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(rest[n - 3]);
  return {
    // The program, not the thread name (node's main thread calls itself MainThread).
    command: basename(cmdline.split("\0")[0] ?? "") || String(pid),
    rss: kib(status, "VmRSS"),
    peakRss: kib(status, "VmHWM"),
    cpu: (field(14) + field(15)) / CLK_TCK,
    reapedChildrenCpu: (field(16) + field(17)) / CLK_TCK,
  };
}

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const lists = await Promise.all(
    tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, "utf8").catch(() => "")),
  );
  return lists.flatMap((l) => l.split(" ").filter(Boolean).map(Number));
}

async function descendantsOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const child of await childrenOf(pid)) out.push(child, ...(await descendantsOf(child)));
  return out;
}

export async function sampleProc(pid: number): Promise<ProcSample> {
  const root = await sampleOne(pid);
  const live = await Promise.all((await descendantsOf(pid)).map((p) => sampleOne(p).catch(() => undefined)));
  const sample: ProcSample = {
    rssBytes: root.rss,
    peakRssBytes: root.peakRss,
    cpuSeconds: root.cpu,
    childCpuSeconds: root.reapedChildrenCpu,
    peakRssByProcess: [{ command: root.command, peakRssBytes: root.peakRss }],
    rssByProcess: [{ command: root.command, rssBytes: root.rss }],
  };
  for (const p of live) {
    if (!p) continue;
    sample.rssBytes += p.rss;
    sample.peakRssBytes += p.peakRss;
    sample.childCpuSeconds += p.cpu + p.reapedChildrenCpu;
    sample.peakRssByProcess.push({ command: p.command, peakRssBytes: p.peakRss });
    sample.rssByProcess.push({ command: p.command, rssBytes: p.rss });
  }
  return sample;
}

export const MiB = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
