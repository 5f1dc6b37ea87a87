/**
 * Lint of a local chart's dependencies: every chart its Chart.yaml (or a v1 chart's
 * requirements.yaml) lists must be in its charts/ directory, as helm checks before an install
 * (a chart fetched from git without `helm dependency build` fails only at install, in the
 * engine). Reads files through `ChartFiles`, so the check itself stays free of I/O.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { CompiledDescriptor, CompiledUnit } from "./compiled.js";
import { issue, type Issue } from "./issues.js";

export interface ChartFiles {
  /** The file's text; throws when it cannot be read. */
  read(path: string): string;
  /** Names of a directory's entries, directories marked by a trailing "/"; throws when it cannot be read. */
  list(dir: string): string[];
}

export const nodeChartFiles: ChartFiles = {
  read: (path) => readFileSync(path, "utf8"),
  list: (dir) =>
    readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? `${e.name}/` : e.name)),
};

interface Dependency {
  name: string;
  version?: string;
}

function yamlAt(files: ChartFiles, path: string): Record<string, unknown> | undefined {
  try {
    const doc: unknown = parse(files.read(path));
    return typeof doc === "object" && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function dependenciesOf(files: ChartFiles, chart: string): Dependency[] {
  const listed = [
    yamlAt(files, join(chart, "Chart.yaml"))?.dependencies,
    yamlAt(files, join(chart, "requirements.yaml"))?.dependencies,
  ];
  return listed.flatMap((deps) =>
    Array.isArray(deps)
      ? deps.flatMap((d: unknown) => {
          const { name, version } = (d ?? {}) as { name?: unknown; version?: unknown };
          if (typeof name !== "string") return [];
          return [typeof version === "string" ? { name, version } : { name }];
        })
      : [],
  );
}

/** What charts/ holds: the names of its chart directories, and its archives' file names. */
function bundled(files: ChartFiles, chart: string): { names: Set<string>; archives: string[] } {
  const names = new Set<string>();
  const archives: string[] = [];
  let entries: string[];
  try {
    entries = files.list(join(chart, "charts"));
  } catch {
    return { names, archives };
  }
  for (const entry of entries) {
    if (entry.endsWith("/")) {
      const name = yamlAt(files, join(chart, "charts", entry, "Chart.yaml"))?.name;
      if (typeof name === "string") names.add(name);
    } else if (/\.(tgz|tar\.gz)$/.test(entry)) archives.push(entry);
  }
  return { names, archives };
}

/** The local chart directory of a unit whose chart is a literal path (not an archive). */
function chartDir(c: CompiledDescriptor, unit: CompiledUnit): { dir: string; path: string } | undefined {
  const chart = unit.helm?.chart.node;
  const base = c.descriptor.source.dir;
  if (chart?.t !== "lit" || base === undefined) return undefined;
  const path = (chart.v as { path?: unknown }).path;
  if (typeof path !== "string" || /\.(tgz|tar\.gz)$/.test(path)) return undefined;
  return { dir: resolve(base, path), path };
}

function missingIn(files: ChartFiles, dir: string): Dependency[] {
  const deps = dependenciesOf(files, dir);
  if (deps.length === 0) return [];
  const { names, archives } = bundled(files, dir);
  // `helm dependency build` names archives <name>-<version>.tgz; one named otherwise may hold
  // any chart, and then nothing can be said for sure.
  const known = (archive: string): boolean => deps.some((d) => archive.startsWith(`${d.name}-`));
  if (!archives.every(known)) return [];
  return deps.filter((d) => !names.has(d.name) && !archives.some((a) => a.startsWith(`${d.name}-`)));
}

/** `chart-dependencies` findings for every helm unit with a local chart directory. */
export function checkChartDependencies(c: CompiledDescriptor, files: ChartFiles = nodeChartFiles): Issue[] {
  const out: Issue[] = [];
  for (const unit of c.units) {
    const chart = chartDir(c, unit);
    if (!chart) continue;
    for (const dep of missingIn(files, chart.dir)) {
      const version = dep.version === undefined ? "" : ` ${dep.version}`;
      out.push(
        issue(
          "chart-dependencies",
          ["spec", "deploy", unit.index, "helm", "chart", "path"],
          `chart ${chart.path} depends on ${dep.name}${version}, which is not in its charts/ directory; ` +
            "helm refuses to install it (run helm dependency build)",
        ),
      );
    }
  }
  return out;
}
