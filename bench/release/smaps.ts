/**
 * Where a process's anonymous memory sits, from /proc/<pid>/smaps: the main heap (brk, what
 * glibc's main arena grows), large anonymous mappings (glibc's per-thread arenas reserve 64
 * MiB each; V8 reserves its heap in such blocks too), and the rest. Memory a process freed
 * but its allocator kept shows here and not in the V8 heap.
 */
import { readFile } from "node:fs/promises";

export interface AnonSummary {
  /** Anonymous memory of the [heap] mapping (glibc's main arena). */
  heapMiB: number;
  /** Anonymous memory in mappings of 32 MiB or more, and how many there are. */
  largeMiB: number;
  largeMappings: number;
  /** Anonymous memory in smaller mappings (V8 pages, thread stacks, other mmaps). */
  otherMiB: number;
}

const LARGE = 32 * 1024 * 1024;
const mib = (kib: number): number => Math.round(kib / 102.4) / 10;

export async function anonSummary(pid: number): Promise<AnonSummary | undefined> {
  const text = await readFile(`/proc/${pid}/smaps`, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const sum = { heap: 0, large: 0, largeMappings: 0, other: 0 };
  let kind: "heap" | "large" | "other" = "other";
  for (const line of text.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const size = parseInt(header[2] ?? "0", 16) - parseInt(header[1] ?? "0", 16);
      const path = header[3] ?? "";
      kind = path === "[heap]" ? "heap" : path === "" && size >= LARGE ? "large" : "other";
      if (kind === "large") sum.largeMappings++;
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon) sum[kind] += Number(anon[1]);
  }
  return {
    heapMiB: mib(sum.heap),
    largeMiB: mib(sum.large),
    largeMappings: sum.largeMappings,
    otherMiB: mib(sum.other),
  };
}
