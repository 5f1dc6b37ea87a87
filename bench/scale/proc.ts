/** Resource use of one process from /proc: RSS, kernel-tracked peak RSS, CPU seconds. */
import { readFile } from "node:fs/promises";
import { execFileSync } from "node:child_process";

export interface ProcSample {
  rssBytes: number;
  /** VmHWM: the kernel's high-water mark of RSS since the process started. */
  peakRssBytes: number;
  /** utime + stime of the process itself. */
  cpuSeconds: number;
  /** cutime + cstime: CPU of reaped children (helm processes). */
  childCpuSeconds: number;
}

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function kib(status: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

export async function sampleProc(pid: number): Promise<ProcSample> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, "utf8"),
    readFile(`/proc/${pid}/stat`, "utf8"),
  ]);
  // Fields after the parenthesised command name: state is field 3, utime 14 … cstime 17.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const field = (n: number): number => Number(rest[n - 3]);
  return {
    rssBytes: kib(status, "VmRSS"),
    peakRssBytes: kib(status, "VmHWM"),
    cpuSeconds: (field(14) + field(15)) / CLK_TCK,
    childCpuSeconds: (field(16) + field(17)) / CLK_TCK,
  };
}

export const MiB = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
