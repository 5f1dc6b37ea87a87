/**
 * Descriptor files on disk: which files the --descriptors paths name, and a
 * poller that notices changes. Polling stat() rather than fs.watch: it works
 * the same on every file system, including the symlink swaps with which
 * Kubernetes updates mounted ConfigMaps, and a few stat calls per interval
 * cost nothing next to a reload.
 */
import { readdir, stat } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import type { FileEntry } from "./origin.js";
import { compareStrings } from "../../descriptor/compare.js";

const DESCRIPTOR_EXT = new Set([".yaml", ".yml"]);
/** $ref'd schemas may be JSON; their changes matter too. */
const WATCHED_EXT = new Set([".yaml", ".yml", ".json"]);

async function walk(dir: string, exts: ReadonlySet<string>): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => compareStrings(a.name, b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && e.name !== "node_modules" && !e.name.startsWith(".")) {
      out.push(...(await walk(path, exts)));
    } else if (!e.isDirectory() && exts.has(extname(e.name))) out.push(path);
  }
  return out;
}

async function isDirectory(path: string): Promise<boolean | undefined> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return undefined;
  }
}

/** The files the paths name, in flag order; a missing explicit path stays listed so it is reported. */
export async function scanPaths(paths: readonly string[]): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const [rank, raw] of paths.entries()) {
    const path = resolve(raw);
    const dir = await isDirectory(path);
    if (dir !== true) {
      out.push({ path, explicit: true, rank });
      continue;
    }
    for (const file of await walk(path, DESCRIPTOR_EXT).catch((): string[] => [])) {
      out.push({ path: file, explicit: false, rank });
    }
  }
  return out;
}

/** What a change shows in: every watched file below the paths (or next to a named file) with its stat. */
export async function fingerprint(paths: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const raw of paths) {
    const path = resolve(raw);
    const dir = await isDirectory(path);
    const root = dir === true ? path : dirname(path);
    const files = await walk(root, WATCHED_EXT).catch((): string[] => []);
    if (dir !== true) files.push(path);
    for (const file of files) {
      const s = await stat(file).catch(() => undefined);
      // ino catches editors that replace files; ctime catches same-size edits within one mtime tick.
      lines.push(s ? `${file}:${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}` : `${file}:missing`);
    }
  }
  return lines.join("\n");
}

/** Calls onChange when the fingerprint of the paths changes; checks every intervalMs. */
export class FilePoller {
  private timer: NodeJS.Timeout | undefined;
  private last = "";
  private stopped = false;

  constructor(
    private readonly paths: readonly string[],
    private readonly intervalMs: number,
    private readonly onChange: () => void,
  ) {}

  /** Takes the first fingerprint (the state the first load saw) and starts polling. */
  async start(): Promise<void> {
    this.last = await fingerprint(this.paths);
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => {
        this.arm();
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    const now = await fingerprint(this.paths).catch(() => this.last);
    if (now === this.last || this.stopped) return;
    this.last = now;
    this.onChange();
  }
}
