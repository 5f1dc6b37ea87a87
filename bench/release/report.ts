/** The Markdown summary of a release benchmark run. */
import type { ReleaseBenchConfig } from "./config.js";
import type { MemorySample } from "./memory.js";
import type { ReleaseResults, ReleaseRound } from "./run.js";

const fmt = (x: number | null | undefined, unit = ""): string =>
  x === null || x === undefined ? "–" : `${x}${unit}`;

/** How far `after` is above `idle`, in percent of `idle`. */
export function overIdle(after: number | null | undefined, idle: number | null | undefined): number | null {
  if (after === null || after === undefined || !idle) return null;
  return Math.round(((after - idle) / idle) * 1000) / 10;
}

function row(name: string, s: MemorySample | undefined, peak = false): string {
  if (!s) return `| ${name} | – | – | – | – | – | – | – | – |`;
  const engine = peak ? `${s.engineRssMiB} (peak ${s.enginePeakMiB})` : String(s.engineRssMiB);
  const worker = peak ? `${fmt(s.workerRssMiB)} (peak ${fmt(s.workerPeakMiB)})` : fmt(s.workerRssMiB);
  const cells = [
    name,
    engine,
    `${s.engineAnonMiB} / ${s.engineFileMiB}`,
    worker,
    `${fmt(s.workerAnonMiB)} / ${fmt(s.workerFileMiB)}`,
    `${fmt(s.heapUsedMiB)} / ${fmt(s.heapTotalMiB)}`,
    fmt(s.externalMiB),
    `${s.engineSockets} / ${fmt(s.workerSockets)}`,
    `${s.at} s`,
  ];
  return `| ${cells.join(" | ")} |`;
}

/** Each round's moments, named by round when there is more than one. */
function moments(r: ReleaseResults): { name: string; s: MemorySample | undefined; peak?: boolean }[] {
  const label = (i: number, what: string): string => (r.rounds.length > 1 ? `round ${i + 1}: ${what}` : what);
  return [
    { name: "idle", s: r.idle },
    ...r.rounds.flatMap((round, i) => [
      { name: label(i, "all Ready"), s: round.ready, peak: true },
      { name: label(i, "all gone"), s: round.gone },
      { name: label(i, "after settling"), s: round.after },
    ]),
  ];
}

function anonLines(r: ReleaseResults): string[] {
  const rows = moments(r).flatMap(({ name, s }) => {
    const a = s?.engineAnon;
    return a ? [`| ${name} | ${a.heapMiB} | ${a.arenaMiB} (${a.arenas}) | ${a.otherMiB} |`] : [];
  });
  if (rows.length === 0) return [];
  return [
    "The engine's anonymous memory by where it sits (/proc/<pid>/smaps), MiB:",
    "",
    "| moment | main heap (brk) | thread arenas (count) | other |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ];
}

function roundLine(round: ReleaseRound, i: number, rounds: number): string {
  return (
    `${rounds > 1 ? `Round ${i + 1}: a` : "A"}ll Ready after ${round.readySeconds} s, the last API object gone ` +
    `${fmt(round.goneSeconds, " s")} after the first delete (${fmt(round.crdsLeft)} CRDs still terminating).`
  );
}

export function markdown(r: ReleaseResults, file: string): string {
  const { idle } = r;
  const after = r.rounds.at(-1)?.after;
  const engineOver = overIdle(after?.engineRssMiB, idle?.engineRssMiB);
  const workerOver = overIdle(after?.workerRssMiB, idle?.workerRssMiB);
  const within = (x: number | null): string => (x === null ? "–" : x <= 20 ? "yes" : "**no**");
  return [
    `# Release benchmark (${r.startedAt}, commit ${r.commit})`,
    "",
    file ? `Raw results: \`${file}\`. ` : "",
    `N = ${r.config.n} releases of bench/fixtures/charts/policy-engine (${r.config.crds} CRDs each, 4 controllers), ` +
      `created until all Ready, then deleted until the last API object was gone, then sampled for ` +
      `${r.config.settleSeconds} s; ${r.config.rounds} round(s). ${r.ok ? "" : `**Failed**: ${r.error ?? ""}`}`,
    ...r.rounds.map((round, i) => roundLine(round, i, r.rounds.length)),
    engineSettings(r.config),
    "",
    "| moment | engine RSS MiB | anon / file | worker RSS MiB | anon / file | engine V8 heap used / total MiB | engine external MiB | sockets engine / worker | at |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...moments(r).map(({ name, s, peak }) => row(name, s, peak)),
    "",
    ...anonLines(r),
    `After settling (the last round), above idle: engine ${fmt(engineOver, " %")} (within 20 %: ${within(engineOver)}), ` +
      `worker ${fmt(workerOver, " %")} (within 20 %: ${within(workerOver)}).`,
    "",
    `Machine: ${r.machine.atStart.nproc} cores, load ${r.machine.atStart.loadAverage.join(" ")} at start, ` +
      `${r.machine.atEnd?.loadAverage.join(" ") ?? "–"} at end.`,
    "",
  ].join("\n");
}

/** The engine's non-default settings of this run, so two runs are compared knowingly. */
function engineSettings(cfg: Omit<ReleaseBenchConfig, "outDir">): string {
  const parts = [
    ...(cfg.speNodeArgs.length > 0 ? [`node flags ${cfg.speNodeArgs.join(" ")}`] : []),
    ...(cfg.speArgs.length > 0 ? [`spe flags ${cfg.speArgs.join(" ")}`] : []),
    ...(cfg.speEnv.length > 0 ? [`environment ${cfg.speEnv.join(" ")}`] : []),
  ];
  return parts.length > 0 ? `Engine: ${parts.join("; ")}.` : "";
}
