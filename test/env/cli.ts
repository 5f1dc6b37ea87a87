/**
 * `npm run testenv -- build|up [roles…]`
 *   build  builds (or finds in the cache) every pinned binary
 *   up     starts the clusters and keeps them until Ctrl-C; prints the
 *          kubeconfigs and the environment file that SPE_TESTENV accepts
 */
import { ensureBinaries } from "./build.js";
import { startEnvironment } from "./environment.js";
import { CLUSTER_ROLES, type ClusterRole } from "./types.js";

const log = (line: string): void => {
  console.error(line);
};

async function up(roles: ClusterRole[]): Promise<void> {
  const started = Date.now();
  const env = await startEnvironment({ roles: roles.length ? roles : CLUSTER_ROLES, progress: log });
  log(`test/env: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const c of Object.values(env.clusters))
    log(`  ${c.name.padEnd(10)} ${c.server}  KUBECONFIG=${c.kubeconfigPath}`);
  if (env.registry) log(`  ${"registry".padEnd(10)} ${env.registry.host}  CA=${env.registry.caFile}`);
  if (env.chartRepo) log(`  ${"charts".padEnd(10)} ${env.chartRepo.url}  CA=${env.chartRepo.caFile}`);
  log(`  SPE_TESTENV=${env.runDir}/environment.json  (reuse these clusters from vitest)`);
  log("Ctrl-C stops everything.");
  await new Promise<void>((resolve) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => {
        resolve();
      });
  });
  log("test/env: stopping…");
  await env.stop();
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const roles = rest.filter((r): r is ClusterRole => (CLUSTER_ROLES as readonly string[]).includes(r));
  if (command === "build") {
    const paths = await ensureBinaries(log);
    for (const [name, path] of Object.entries(paths)) log(`  ${name.padEnd(24)} ${path}`);
  } else if (command === "up") {
    await up(roles);
  } else {
    log("usage: npm run testenv -- build | up [platform|onboarding|mcp|workload…]");
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
