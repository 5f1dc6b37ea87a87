#!/usr/bin/env node
// Runs the compiled CLI when built (npm run build), otherwise the TypeScript sources via tsx.
import { existsSync } from "node:fs";

const dist = new URL("../dist/cli/main.js", import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
