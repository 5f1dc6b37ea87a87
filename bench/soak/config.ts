/** The chaos soak's configuration, parsed once from its flags (`npm run soak -- --duration 5m`). */
import { parseArgs } from "node:util";
import { BENCH_ROOT } from "../scale/config.js";

export interface SoakConfig {
  /** API objects over the three providers (--objects, default 1000). */
  objects: number;
  /** How long faults are injected (--duration, default 30m). */
  durationMs: number;
  /** Wait between one fault's end and the next one's start, drawn between these (--gap, default 5s..25s). */
  gapMs: [number, number];
  /** After the last fault everything must be Ready, undrifted and unorphaned within this (--settle, default 60s). */
  settleMs: number;
  /** The first and last window whose engine RSS is compared (default 10 minutes, at most a third of the run). */
  rssWindowMs: number;
  /** How often readiness and memory are sampled (--sample, default 5s). */
  sampleMs: number;
  /** Give up bringing the objects Ready before the faults start (--ready-timeout, default 15m). */
  readyTimeoutMs: number;
  /** Seed of the fault sequence (--seed, default from the clock), so a run can be replayed. */
  seed: number;
  /** Where results go (--out, default bench/results/soak). */
  outDir: string;
}

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "90s", "30m", "1h", "500ms" in milliseconds; a clear error names the flag otherwise. */
export function duration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`${flag}: expected a duration like 90s, 30m or 1h, got "${text}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

function count(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${flag}: expected an integer ≥ ${min}, got "${text}"`);
  return n;
}

function gap(text: string): [number, number] {
  const [lo, hi] = text.split("..");
  const range: [number, number] = [duration(lo ?? "", "--gap"), duration(hi ?? lo ?? "", "--gap")];
  if (range[0] > range[1]) throw new Error(`--gap: "${text}" is not low..high`);
  return range;
}

export function soakConfig(argv: string[] = process.argv.slice(2)): SoakConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      objects: { type: "string", default: "1000" },
      duration: { type: "string", default: "30m" },
      gap: { type: "string", default: "5s..25s" },
      settle: { type: "string", default: "60s" },
      sample: { type: "string", default: "5s" },
      "ready-timeout": { type: "string", default: "15m" },
      seed: { type: "string" },
      out: { type: "string", default: `${BENCH_ROOT}results/soak` },
    },
    strict: true,
  });
  const durationMs = duration(values.duration, "--duration");
  return {
    // Three providers, at least one object each.
    objects: count(values.objects, "--objects", 3),
    durationMs,
    gapMs: gap(values.gap),
    settleMs: duration(values.settle, "--settle"),
    rssWindowMs: Math.min(600_000, durationMs / 3),
    sampleMs: duration(values.sample, "--sample"),
    readyTimeoutMs: duration(values["ready-timeout"], "--ready-timeout"),
    seed: values.seed === undefined ? Date.now() % 1_000_000 : count(values.seed, "--seed", 0),
    outDir: values.out,
  };
}
