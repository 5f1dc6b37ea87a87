/** The soak's results as markdown (bench/results/soak/latest.md). */
import type { SoakResults } from "./run.js";

const yes = (held: boolean): string => (held ? "held" : "**not held**");

export function markdown(r: SoakResults, jsonFile: string): string {
  const v = r.verdicts;
  const lines = [
    `# Chaos soak (${r.startedAt}, commit ${r.commit})`,
    "",
    `Raw results: \`${jsonFile}\`. Seed ${r.config.seed} (\`npm run soak -- --seed ${r.config.seed}\` replays the fault sequence).`,
    "",
    `${r.providers.map((p) => `${p.objects} ${p.kind}`).join(", ")} (${r.config.objects} API objects) on a private test/env; all Ready in ${r.readySeconds ?? "–"} s before the first fault. Faults for ${r.config.durationMs / 60_000} min, one at a time, gaps ${r.config.gapMs.map((g) => g / 1000).join("–")} s; ${r.faults.length} faults; the engine started ${r.engineStarts ?? "–"} times.`,
    "",
    r.error ? `**The run failed:** ${r.error}\n` : "",
    "## Invariants",
    "",
    "| invariant | result | measured |",
    "| --- | --- | --- |",
    ...r.invariants.map((i) => `| ${i.name} | ${yes(i.held)} | ${i.measured.replaceAll("|", "\\|")} |`),
    "",
    "## Faults",
    "",
    "| fault | count | errors |",
    "| --- | --- | --- |",
    ...Object.entries(r.faultCounts).map(
      ([k, n]) => `| ${k} | ${n} | ${r.faults.filter((f) => f.kind === k && f.error).length} |`,
    ),
    "",
  ];
  if (v) {
    const rec = v.recovery;
    lines.push(
      "## Recovery during the chaos",
      "",
      `After ${rec.measured} faults every object was Ready again before the next one: p50 ${rec.p50Seconds} s, p99 ${rec.p99Seconds} s, max ${rec.maxSeconds} s (${rec.overBound} over ${v.settleBoundSeconds} s); ${rec.overlapped} were overlapped by the next fault. Every object Ready in ${rec.allReadyShare === null ? "–" : Math.round(rec.allReadyShare * 1000) / 10} % of the samples during the chaos.`,
      "",
      `Engine RSS (the node process), mean of the first ${v.rss.windowMinutes} min ${v.rss.firstMeanMiB} MiB, of the last ${v.rss.lastMeanMiB} MiB. The engine is SIGKILLed and started again during the run, so each window mixes engines of different ages (the samples in the JSON carry the engine's uptime).`,
      "",
    );
  }
  const m = r.machine;
  lines.push(
    `Machine: ${m.atStart.nproc} cores, load ${m.atStart.loadAverage.join(" ")} at start, ${m.atEnd?.loadAverage.join(" ") ?? "–"} at end. Logs: ${r.logs ?? "–"}.`,
    "",
  );
  return lines.join("\n");
}
