import { homedir } from "node:os";
import { join } from "node:path";

/** Pinned versions of everything the test environment builds from Go modules. */
export const VERSIONS = {
  kubernetes: "v1.37.2",
  etcd: "v3.6.16",
  kwok: "v0.8.0",
  helm: "v4.3.1",
  openmcpOperator: "v1.3.0",
  /** github.com/distribution/distribution/v3, the test OCI registry (test/env/go/registry pins it). */
  distribution: "v3.1.2",
} as const;

/** Where built binaries are cached, outside the repo, keyed by version. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SPE_TESTENV_CACHE;
  if (configured) return configured;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "spe", "testenv");
}
