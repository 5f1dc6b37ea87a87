/**
 * Pushes a fixture chart into the run's registry with the real helm (`helm package`,
 * `helm registry login`, `helm push`), as a platform operator publishes a chart to a private
 * registry. Returns the reference without `oci://` and with its tag, as openMCP's
 * ProviderConfigs write chart URLs (crossplane's `versions[].chart.url`).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { RegistryInfo } from "../../env/types.js";
import { testEnv } from "./env.js";

export function registryOf(): RegistryInfo {
  const registry = testEnv().registry;
  if (!registry) throw new Error("test/env started without its registry");
  return registry;
}

/**
 * `<host>/<path>/<chart>:<version>` of the chart in `dir` pushed under `path`; with `version`,
 * a copy whose Chart.yaml says that version (and appVersion), as another release of the chart.
 */
export async function pushChart(source: string, path: string, version?: string): Promise<string> {
  const registry = registryOf();
  const helm = testEnv().binaries.helm;
  const scratch = await mkdtemp(join(tmpdir(), "spe-chart-push-"));
  const env = { HELM_CONFIG_HOME: join(scratch, "config"), HELM_CACHE_HOME: join(scratch, "cache") };
  let dir = source;
  try {
    if (version !== undefined) {
      dir = join(scratch, "chart");
      await cp(source, dir, { recursive: true });
      const chart = (await readFile(join(dir, "Chart.yaml"), "utf8"))
        .replace(/^version:.*$/m, `version: ${version}`)
        .replace(/^appVersion:.*$/m, `appVersion: "${version}"`);
      await writeFile(join(dir, "Chart.yaml"), chart);
    }
    const { stdout } = await execa(helm, ["package", dir, "--destination", scratch]);
    const tgz = /saved it to: (\S+)/.exec(stdout)?.[1];
    if (!tgz) throw new Error(`helm package printed no archive: ${stdout}`);
    await execa(
      helm,
      ["registry", "login", registry.host, "--username", registry.username, "--password-stdin"].concat([
        "--ca-file",
        registry.caFile,
      ]),
      { input: registry.password, env },
    );
    await execa(helm, ["push", tgz, `oci://${registry.host}/${path}`, "--ca-file", registry.caFile], { env });
    const chart = await readFile(join(dir, "Chart.yaml"), "utf8");
    const name = /^name:\s*(\S+)/m.exec(chart)?.[1];
    const tag = /^version:\s*(\S+)/m.exec(chart)?.[1];
    return `${registry.host}/${path}/${name ?? ""}:${tag ?? ""}`;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
