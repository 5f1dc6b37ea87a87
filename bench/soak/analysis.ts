/**
 * The soak's verdicts from what was recorded: recovery after each fault, the settle after the
 * last one, what was wrong at the end, and whether the engine's RSS grew between the first
 * and the last window.
 */
import { percentile, round } from "../scale/util.js";
import type { Problems } from "./checks.js";
import type { FaultRecord } from "./faults.js";
import type { Sample } from "./monitor.js";

export interface Recovery {
  /** Faults after which every object was Ready again before the next fault began. */
  measured: number;
  /** Faults whose recovery the next fault overlapped (not measurable alone). */
  overlapped: number;
  /** Seconds from a fault's end to the first sample with every object Ready (measured ones). */
  p50Seconds: number | null;
  p99Seconds: number | null;
  maxSeconds: number | null;
  /** Measured recoveries that took longer than the settle bound. */
  overBound: number;
  /** Share of samples during the chaos in which every object was Ready. */
  allReadyShare: number | null;
}

export interface RssVerdict {
  windowMinutes: number;
  firstMeanMiB: number | null;
  lastMeanMiB: number | null;
  /** (last − first) ÷ first, percent. */
  growthPercent: number | null;
  held: boolean;
}

export interface Invariant {
  name: string;
  held: boolean;
  measured: string;
}

export function recovery(faults: FaultRecord[], samples: Sample[], total: number, boundMs: number): Recovery {
  const times: number[] = [];
  let overlapped = 0;
  faults.forEach((f, i) => {
    const nextStart = faults[i + 1]?.start ?? Number.POSITIVE_INFINITY;
    const back = samples.find((s) => s.t >= f.end && s.ready === total);
    if (back && back.t < nextStart) times.push(back.t - f.end);
    else overlapped++;
  });
  const during = samples.filter((s) => s.t >= 0 && s.t <= (faults.at(-1)?.end ?? 0));
  const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : round(ms / 1000, 1));
  return {
    measured: times.length,
    overlapped,
    p50Seconds: times.length ? seconds(percentile(times, 50)) : null,
    p99Seconds: times.length ? seconds(percentile(times, 99)) : null,
    maxSeconds: times.length ? seconds(Math.max(...times)) : null,
    overBound: times.filter((t) => t > boundMs).length,
    allReadyShare: during.length
      ? round(during.filter((s) => s.ready === total).length / during.length, 3)
      : null,
  };
}

const mean = (xs: number[]): number | null =>
  xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length, 1) : null;

/** Engine RSS (the node process alone) in the first and the last window of the chaos. */
export function rssVerdict(
  samples: Sample[],
  chaosMs: number,
  windowMs: number,
  tolerance = 0.1,
): RssVerdict {
  const rss = (from: number, to: number): number[] =>
    samples.filter((s) => s.t >= from && s.t <= to && s.engineRssMiB !== null).map((s) => s.engineRssMiB!);
  const first = mean(rss(0, windowMs));
  const last = mean(rss(chaosMs - windowMs, chaosMs));
  const growth = first && last !== null ? round(((last - first) / first) * 100, 1) : null;
  return {
    windowMinutes: round(windowMs / 60_000, 1),
    firstMeanMiB: first,
    lastMeanMiB: last,
    growthPercent: growth,
    held: growth !== null && growth <= tolerance * 100,
  };
}

export interface Verdicts {
  settleSeconds: number | null;
  settleBoundSeconds: number;
  end: Problems;
  notReadyAtEnd: number;
  /** The objects not Ready at the end, by phase and reason. */
  notReadyReasons: Record<string, number>;
  /** Helm workers of a killed engine: most seen in one sample during the chaos, and left at the end. */
  strayWorkersMax: number;
  strayWorkersAtEnd: number;
  driftAfterCorrectedMs: number | null;
  recovery: Recovery;
  rss: RssVerdict;
}

export function invariants(v: Verdicts): Invariant[] {
  const n = (xs: string[]): string => (xs.length ? `${xs.length}: ${xs.slice(0, 5).join("; ")}` : "0");
  return [
    {
      name: `every object Ready within ${v.settleBoundSeconds} s of the last fault`,
      held: v.settleSeconds !== null && v.settleSeconds <= v.settleBoundSeconds,
      measured:
        v.settleSeconds === null
          ? `not within the wait (${v.notReadyAtEnd} not Ready)`
          : `${v.settleSeconds} s`,
    },
    { name: "zero orphaned objects", held: v.end.orphans.length === 0, measured: n(v.end.orphans) },
    {
      name: "zero duplicate or stuck releases",
      held: v.end.releases.length === 0,
      measured: n(v.end.releases),
    },
    {
      name: "zero uncorrected drift at the end",
      held: v.end.drift.length + v.end.missing.length === 0,
      measured: n([...v.end.drift, ...v.end.missing]),
    },
    {
      name: "engine RSS not growing between the first and last window (±10 %)",
      held: v.rss.held,
      measured: `${v.rss.firstMeanMiB} → ${v.rss.lastMeanMiB} MiB (${v.rss.growthPercent} %), windows of ${v.rss.windowMinutes} min`,
    },
    {
      name: "no helm worker of a killed engine still running at the end",
      held: v.strayWorkersAtEnd === 0,
      measured: `${v.strayWorkersAtEnd} at the end; at most ${v.strayWorkersMax} in one sample during the chaos`,
    },
    {
      name: "no watch dead for good: drift made after the chaos corrected within 90 s (the 75 s silent-watch bound + 15 s)",
      held: v.driftAfterCorrectedMs !== null,
      measured:
        v.driftAfterCorrectedMs === null ? "not corrected within 90 s" : `${v.driftAfterCorrectedMs} ms`,
    },
  ];
}
