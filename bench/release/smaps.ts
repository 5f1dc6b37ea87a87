/**
 * Where a process's anonymous memory sits, from /proc/<pid>/smaps: the main heap (brk, what
 * glibc's main arena grows), glibc's per-thread arenas (heaps of up to 64 MiB, each aligned
 * to 64 MiB), and the rest (V8's pages, mmap'ed large allocations, thread stacks). Memory a
 * process freed but its allocator kept shows here and not in the V8 heap.
 */
import { readFile } from "node:fs/promises";

export interface AnonSummary {
  /** Anonymous memory of the [heap] mapping (glibc's main arena). */
  heapMiB: number;
  /** Anonymous memory of glibc's thread arenas (writable mappings aligned to 64 MiB), and how many there are. */
  arenaMiB: number;
  arenas: number;
  /** Anonymous memory elsewhere (V8's pages, mmap'ed large allocations, thread stacks). */
  otherMiB: number;
}

type Kind = "heap" | "arena" | "other";

const ARENA_ALIGN = 64n * 1024n * 1024n;
const HEADER = /^([0-9a-f]+)-[0-9a-f]+ (\S+) \S+ \S+ \d+\s*(.*)$/;
const mib = (kib: number): number => Math.round(kib / 102.4) / 10;

function kindOf(header: RegExpExecArray): Kind {
  const [, start = "0", perms = "", path = ""] = header;
  if (path === "[heap]") return "heap";
  const aligned = BigInt(`0x${start}`) % ARENA_ALIGN === 0n;
  return path === "" && perms.startsWith("rw") && aligned ? "arena" : "other";
}

export async function anonSummary(pid: number): Promise<AnonSummary | undefined> {
  const text = await readFile(`/proc/${pid}/smaps`, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const kib: Record<Kind, number> = { heap: 0, arena: 0, other: 0 };
  let arenas = 0;
  let kind: Kind = "other";
  for (const line of text.split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      kind = kindOf(header);
      if (kind === "arena") arenas++;
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon) kib[kind] += Number(anon[1]);
  }
  return { heapMiB: mib(kib.heap), arenaMiB: mib(kib.arena), arenas, otherMiB: mib(kib.other) };
}
