/** Chart sources: the helm arguments that name a chart, and a digest that changes when the chart does. */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { ChartRef, JsonValue } from "../../descriptor/plan.js";
import { HelmError } from "./errors.js";
import type { WorkerChart } from "./worker-client.js";

export function localChartPath(chart: ChartRef, baseDir: string): string | undefined {
  if (!chart.path) return undefined;
  return isAbsolute(chart.path) ? chart.path : resolve(baseDir, chart.path);
}

/** The chart of a helm worker request: what `<chart> [--repo url] [--version v]` names on helm's command line. */
export function workerChart(chart: ChartRef, baseDir: string): WorkerChart {
  const version = chart.version ? { version: chart.version } : {};
  const local = localChartPath(chart, baseDir);
  if (local) return { path: local, ...version };
  if (chart.oci) return { oci: chart.oci, ...version };
  if (chart.repo && chart.name) return { repo: chart.repo, name: chart.name, ...version };
  throw new HelmError("ChartNotFound", "chart reference names neither path, oci nor repo+name");
}

async function filesOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesOf(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/**
 * Every object of a provider observes the same chart, so a resync of N objects
 * would read and hash its files N times. The digest is reused while no file
 * was added, removed, resized or touched (stat only; contents are read again
 * once anything moved), and the files are looked at again at most once a
 * second: with many objects that walk (a readdir and a stat per file, several
 * times per reconcile) was a steady cost of its own (bench/results/analysis.md).
 */
const digests = new Map<string, { fingerprint: string; digest: string; checkedAt: number }>();
const RECHECK_MS = 1_000;
/** A walk in progress, shared by the reconciles that find the digest due at the same moment. */
const walks = new Map<string, Promise<string>>();

function localDigest(path: string): Promise<string> {
  const recent = digests.get(path);
  if (recent && Date.now() - recent.checkedAt < RECHECK_MS) return Promise.resolve(recent.digest);
  let walk = walks.get(path);
  if (!walk) {
    walk = walkDigest(path).finally(() => walks.delete(path));
    walks.set(path, walk);
  }
  return walk;
}

async function walkDigest(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new HelmError("ChartNotFound", `chart path ${path} does not exist`);
  const files = info.isDirectory() ? (await filesOf(path)).sort() : [path];
  const stats = await Promise.all(files.map((f) => stat(f)));
  const fingerprint = files.map((f, i) => `${f}:${stats[i]?.size ?? 0}:${stats[i]?.mtimeMs ?? 0}`).join("|");
  const known = digests.get(path);
  if (known?.fingerprint === fingerprint) {
    known.checkedAt = Date.now();
    return known.digest;
  }
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(path, file)).update("\0");
    hash.update(await readFile(file)).update("\0");
  }
  const digest = hash.digest("hex");
  digests.set(path, { fingerprint, digest, checkedAt: Date.now() });
  return digest;
}

/** Short enough for a label value (63 characters). */
function short(hex: string): string {
  return hex.slice(0, 32);
}

/**
 * sha256 of the chart's contents for a local chart; of repo, name and version otherwise
 * (a published chart version is immutable; without a version the digest cannot notice a
 * newer chart, so pin versions).
 */
export async function chartDigest(chart: ChartRef, baseDir: string): Promise<string> {
  const local = localChartPath(chart, baseDir);
  if (local) return short(await localDigest(local));
  const id = JSON.stringify([
    chart.oci ?? null,
    chart.repo ?? null,
    chart.name ?? null,
    chart.version ?? null,
  ]);
  return short(createHash("sha256").update(id).digest("hex"));
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** sha256 of the values in canonical JSON (key order does not matter). */
export function valuesHash(values: JsonValue): string {
  return short(createHash("sha256").update(canonical(values)).digest("hex"));
}
