/**
 * vitest globalSetup for the e2e project: brings up platform, onboarding, mcp
 * and workload and the OCI registry once per run and hands their kubeconfigs
 * and the registry's address and credentials to the tests.
 * With SPE_TESTENV=<path to environment.json of a running `npm run testenv -- up`>
 * the tests reuse that environment instead, for quick iterations.
 */
import { readFile } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { startEnvironment } from "./environment.js";
import type { TestEnvironment } from "./types.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reuse = process.env.SPE_TESTENV;
  if (reuse) {
    const env = JSON.parse(await readFile(reuse, "utf8")) as TestEnvironment;
    project.provide("testEnv", env);
    return () => Promise.resolve();
  }
  const started = Date.now();
  const env = await startEnvironment({
    progress: (line) => {
      console.log(line);
    },
  });
  console.log(`test/env: clusters ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${env.runDir})`);
  project.provide("testEnv", {
    clusters: env.clusters,
    binaries: env.binaries,
    registry: env.registry,
    chartRepo: env.chartRepo,
  });
  return () => env.stop();
}
