/**
 * `spe run`: the operator. Parses flags once, starts the runtime, and turns
 * signals into a graceful shutdown (exit 0); a second signal exits at once.
 * Losing leadership exits 1, as controller-runtime does.
 */
import type { Command } from "commander";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import type { Logger } from "../engine/runtime/logger.js";
import { startRuntime, type Runtime, type RuntimeConfig } from "../engine/runtime/runtime.js";
import { registerInit } from "./init.js";
import { EXIT, processIO, UsageError } from "./io.js";
import { addRunFlags, clustersFrom, configFrom, loggerFrom } from "./run-common.js";
import { openmcpClusters, openmcpLease } from "./run-openmcp.js";
import type { RawRunOptions, RunConfig } from "./run-config.js";

export const LEADER_LEASE = "spe-leader";

/** The metrics address, with its certificate when /metrics is served securely. */
function metricsServer(config: RunConfig): RuntimeConfig["ops"][number] {
  const tls = config.metricsTls;
  if (!tls) return config.metricsAddr;
  const read = (file: string): Buffer => {
    try {
      return readFileSync(join(tls.certDir, file));
    } catch (err) {
      throw new UsageError(
        `--metrics-cert-dir ${tls.certDir}: cannot read ${file}: ${(err as Error).message}`,
      );
    }
  };
  return { ...config.metricsAddr, secure: { cert: read("tls.crt"), key: read("tls.key") } };
}

/** The runtime's configuration for a parsed RunConfig; clusters and logger already made. */
export function runtimeConfig(
  config: RunConfig,
  made: { platform: RuntimeConfig["platform"]; onboarding: RuntimeConfig["onboarding"]; logger: Logger },
): RuntimeConfig {
  const instance = hostname();
  // Secure metrics have a server of their own (run-config.ts made sure the addresses differ, or pick free ports).
  const sameAddr =
    config.metricsTls === undefined &&
    config.metricsAddr.host === config.healthAddr.host &&
    config.metricsAddr.port === config.healthAddr.port;
  return {
    ...made,
    descriptors: config.descriptors,
    ...(config.descriptorNamespace === undefined ? {} : { descriptorNamespace: config.descriptorNamespace }),
    ...(config.providerName === undefined ? {} : { providerName: config.providerName }),
    workers: config.workers,
    syncPeriodMs: config.syncPeriodMs,
    ops: sameAddr ? [config.healthAddr] : [config.healthAddr, metricsServer(config)],
    ...(config.openmcp ? { openmcp: { controller: config.openmcp.providerName } } : {}),
    ...(config.leaderElect
      ? {
          leaderElection: {
            namespace: config.leaderNamespace,
            name: config.openmcp ? openmcpLease(config.openmcp.providerName) : LEADER_LEASE,
            // Unique per process: a restarted pod must not inherit its predecessor's lease.
            identity: `${instance}_${randomBytes(4).toString("hex")}`,
          },
        }
      : {}),
    helm: {
      concurrency: config.helmConcurrency,
      ...(config.helmWorker === undefined ? {} : { path: config.helmWorker }),
    },
    instance,
  };
}

/**
 * SIGTERM drains in-flight reconciles, but not for longer than `deadlineMs`: a reconcile
 * stuck on a dead target cluster (each request waits out its timeout, and is retried) must
 * not hold the pod until the kubelet's SIGKILL. Past the deadline the process exits 1
 * without releasing the Lease, which then expires: the next leader must not reconcile
 * beside work that may still be in flight.
 */
function handleSignals(logger: Logger, stop: () => Promise<void>, deadlineMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      process.exit(EXIT.findings);
    }
    stopping = true;
    logger.info({ signal, deadlineMs }, "shutting down: draining in-flight reconciles");
    const deadline = setTimeout(() => {
      logger.warn(
        { deadlineMs },
        "drain deadline passed: exiting with work in flight; the Lease is left to expire",
      );
      process.exit(EXIT.findings);
    }, deadlineMs);
    stop().then(
      () => {
        clearTimeout(deadline);
        logger.info("stopped");
        process.exit(EXIT.ok);
      },
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(EXIT.findings);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** The platform and onboarding clusters: from flags, or in openMCP mode through spe's own AccessRequest. */
async function clustersFor(
  config: RunConfig,
  logger: Logger,
  onRestart: (reason: string) => void,
): Promise<{ platform: RuntimeConfig["platform"]; onboarding: RuntimeConfig["onboarding"] }> {
  if (!config.openmcp) return clustersFrom(config);
  const { platform, onboarding } = await openmcpClusters(config, config.openmcp, logger, onRestart);
  return { platform, onboarding };
}

export async function runOperator(raw: RawRunOptions): Promise<void> {
  const config = configFrom(raw);
  const logger = loggerFrom(config);
  // Signals during start-up wait for it, then stop what was started.
  let runtime: Promise<Runtime | undefined> = Promise.resolve(undefined);
  handleSignals(
    logger,
    async () => {
      await (await runtime.catch(() => undefined))?.stop();
    },
    config.drainDeadlineMs,
  );
  logger.info({ descriptors: config.descriptors, namespace: config.descriptorNamespace }, "starting spe");
  runtime = clustersFor(config, logger, (reason) => {
    logger.error({ reason }, "restarting");
    void runtime.then((r) => r?.stop()).finally(() => process.exit(EXIT.findings));
  }).then((clusters) => startRuntime(runtimeConfig(config, { ...clusters, logger })));
  const started = await runtime.catch((err: unknown) => {
    logger.error({ err }, "spe failed to start");
    process.exit(EXIT.findings);
  });
  if (!started) return;
  logger.info({ ops: started.opsPorts }, "spe running");
  const exit = await started.exited;
  logger.error({ reason: exit.reason }, "exiting");
  process.exit(exit.code);
}

export function registerRun(program: Command): void {
  addRunFlags(program.command("run").description("run the operator: serve every loaded descriptor")).action(
    async (opts: RawRunOptions) => {
      try {
        await runOperator(opts);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        processIO.err(`spe run: ${err.message}\n`);
        process.exit(EXIT.usage);
      }
    },
  );
  registerInit(program);
}
