/**
 * `spe init`: installs the CRDs of every valid descriptor and exits. Invalid descriptors are
 * reported (log, and on their ConfigMaps) but do not fail the job, so one broken descriptor
 * cannot block the others; a CRD the apiserver rejects does (exit 1).
 * In openMCP mode (--provider-name with --environment) it is openMCP's init job instead
 * (init-openmcp.ts).
 */
import type { Command } from "commander";
import { installCrds } from "../engine/descriptors/crd-manager.js";
import { DescriptorSource } from "../engine/descriptors/source.js";
import type { Logger } from "../engine/runtime/logger.js";
import type { Provider } from "../engine/descriptors/provider.js";
import { KubeClient } from "../kube/client.js";
import { EXIT, processIO, UsageError } from "./io.js";
import { addRunFlags, clustersFrom, configFrom, loggerFrom } from "./run-common.js";
import { runOpenMcpInit } from "./init-openmcp.js";
import type { RawRunOptions, RunConfig } from "./run-config.js";

async function install(
  providers: readonly Provider[],
  clusters: { onboarding: KubeClient; platform: KubeClient },
  logger: Logger,
): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  for (const provider of providers) {
    try {
      await installCrds(provider.compiled, clusters);
      logger.info({ provider: provider.compiled.name }, "CRDs installed");
    } catch (err) {
      failures.set(provider.compiled.name, err instanceof Error ? err : new Error(String(err)));
    }
  }
  return failures;
}

/** Installs the CRDs once; returns the exit code. */
export async function runInit(config: RunConfig, logger: Logger): Promise<number> {
  const { platform, onboarding } = clustersFrom(config);
  const clients = { platform: KubeClient.for(platform), onboarding: KubeClient.for(onboarding) };
  let failed = 0;
  const namespace = config.descriptorNamespace;
  const source = new DescriptorSource({
    paths: config.descriptors,
    ...(namespace === undefined ? {} : { configMaps: { kubeConfig: platform, namespace } }),
    ...(config.providerName === undefined ? {} : { providerName: config.providerName }),
    logger,
    onChange: async (providers) => {
      const failures = await install(providers, clients, logger);
      failed = failures.size;
      return failures;
    },
  });
  await source.start();
  await source.stop();
  return failed > 0 ? EXIT.findings : EXIT.ok;
}

export function registerInit(program: Command): void {
  addRunFlags(program.command("init").description("install the CRDs of the descriptors and exit")).action(
    async (opts: RawRunOptions) => {
      try {
        const config = configFrom(opts);
        const logger = loggerFrom(config);
        process.exitCode = config.openmcp
          ? await runOpenMcpInit(config, config.openmcp, logger)
          : await runInit(config, logger);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        processIO.err(`spe init: ${err.message}\n`);
        process.exitCode = EXIT.usage;
      }
    },
  );
}
