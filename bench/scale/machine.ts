/** Facts about the machine and its load, recorded with every result. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { execFileSync } from "node:child_process";

export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  memTotalGiB: number;
  kernel: string;
  node: string;
  loadAverage: number[];
  /** Processes using noticeable CPU when the sample was taken (others' test suites). */
  busyProcesses: string[];
}

function cpuModel(): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
  return m?.[1] ?? cpus()[0]?.model ?? "unknown";
}

function busy(): string[] {
  try {
    const out = execFileSync("ps", ["-eo", "pcpu,rss,comm", "--sort=-pcpu", "--no-headers"], {
      encoding: "utf8",
    });
    return out
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && Number(l.split(/\s+/)[0]) >= 5)
      .slice(0, 10);
  } catch {
    return [];
  }
}

export function machineFacts(): MachineFacts {
  return {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpuModel: cpuModel(),
    memTotalGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    busyProcesses: busy(),
  };
}
