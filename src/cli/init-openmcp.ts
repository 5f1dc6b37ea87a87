/**
 * `spe init` as openmcp-operator's init job: loads the descriptor named by --provider-name,
 * then runs the protocol's init steps (src/engine/openmcp/init.ts). Progress goes to the log;
 * a failure is one line on stderr and exit 1, so the Job fails and the operator retries it.
 */
import { DescriptorSource } from "../engine/descriptors/source.js";
import type { Provider } from "../engine/descriptors/provider.js";
import { openmcpInit } from "../engine/openmcp/init.js";
import type { Logger } from "../engine/runtime/logger.js";
import { EXIT, processIO } from "./io.js";
import type { OpenMcpSettings } from "./openmcp-config.js";
import { platformFrom } from "./run-common.js";
import type { RunConfig } from "./run-config.js";

/** The descriptor named like the ServiceProvider, from the descriptor files. */
export async function loadNamedProvider(config: RunConfig, name: string, logger: Logger): Promise<Provider> {
  let found: Provider | undefined;
  const source = new DescriptorSource({
    paths: config.descriptors,
    providerName: name,
    logger,
    onChange: (providers) => {
      found = providers.find((p) => p.compiled.name === name);
      return Promise.resolve(new Map<string, Error>());
    },
  });
  await source.start();
  await source.stop();
  if (found) return found;
  throw new Error(
    `no valid descriptor named "${name}" in ${config.descriptors.join(", ")} (the ServiceProvider's name selects it)`,
  );
}

export async function runOpenMcpInit(
  config: RunConfig,
  settings: OpenMcpSettings,
  logger: Logger,
): Promise<number> {
  try {
    const provider = await loadNamedProvider(config, settings.providerName, logger);
    await openmcpInit({
      platform: platformFrom(config),
      provider,
      providerName: settings.providerName,
      namespace: settings.namespace,
      accessTimeoutMs: settings.accessTimeoutMs,
      progress: (line) => {
        logger.info({ provider: settings.providerName }, line);
      },
    });
    logger.info({ provider: settings.providerName, environment: settings.environment }, "init done");
    return EXIT.ok;
  } catch (err) {
    processIO.err(`spe init: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.findings;
  }
}
