#!/usr/bin/env -S node --max-semi-space-size=4
// Runs the compiled CLI when built (npm run build), otherwise the TypeScript sources via tsx.
// --max-semi-space-size=4 (MiB): V8 sizes its young generation for throughput (up to 3 x 16
// MiB here), and an operator's garbage is short-lived; capped, the engine's peak RSS at 1,000
// releases falls by about 90 MiB at no measurable cost (bench/results/analysis.md). The
// image's ENTRYPOINT and the benchmark pass the same flag.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
