/** What `spe run` and `spe init` share: their flags, the config from flags and environment, clusters and logger. */
import { KubeConfig } from "../kube/kubeconfig.js";
import { type Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { createLogger, type Logger } from "../engine/runtime/logger.js";
import { UsageError } from "./io.js";
import { runConfig, type RawRunOptions, type RunConfig } from "./run-config.js";

const SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The flags of both commands; environment fallbacks are named in the help and applied in runConfig. */
export function addRunFlags(command: Command): Command {
  return command
    .option(
      "--platform-kubeconfig <file>",
      "platform cluster kubeconfig [SPE_PLATFORM_KUBECONFIG; default in-cluster]",
    )
    .option(
      "--onboarding-kubeconfig <file>",
      "onboarding cluster kubeconfig [SPE_ONBOARDING_KUBECONFIG; default platform]",
    )
    .option(
      "--descriptors <dir|file>",
      "descriptor file or directory, repeatable [SPE_DESCRIPTORS, comma-separated]",
      collect,
    )
    .option(
      "--descriptor-namespace <ns>",
      "platform namespace of descriptor ConfigMaps [SPE_DESCRIPTOR_NAMESPACE]",
    )
    .option("--provider-name <name>", "serve only this descriptor (openMCP) [SPE_PROVIDER_NAME]")
    .option("--environment <name>", "openMCP environment name, logged [SPE_ENVIRONMENT]")
    .option("--verbosity <level>", "openMCP verbosity: error, info, debug, … [SPE_VERBOSITY]")
    .option(
      "--workers <n>",
      "concurrent reconciles; helm operations are bounded apart (--helm-concurrency) [SPE_WORKERS; default 16]",
    )
    .option(
      "--sync-period <duration>",
      "longest time a converged object goes without a full reconcile; polls in between skip the render while its watches report no change [SPE_SYNC_PERIOD; default 10m]",
    )
    .option("--ops-port <port>", "port of /metrics, /healthz, /readyz [SPE_OPS_PORT; default 8080]")
    .option("--metrics-addr <addr>", "[host]:port for /metrics, overrides --ops-port [SPE_METRICS_ADDR]")
    .option(
      "--health-addr <addr>",
      "[host]:port for /healthz and /readyz, overrides --ops-port [SPE_HEALTH_ADDR]",
    )
    .addOption(
      new Option(
        "--leader-elect [bool]",
        "leader election on Lease spe-leader [SPE_LEADER_ELECT; default false]",
      ),
    )
    .option(
      "--leader-namespace <ns>",
      "namespace of the Lease [SPE_LEADER_NAMESPACE; default the pod's, else default]",
    )
    .option(
      "--helm-worker <path>",
      "spe-helm-worker binary (Helm v4 SDK) [SPE_HELM_WORKER; default spe-helm-worker on PATH]",
    )
    .option(
      "--helm-concurrency <n>",
      "helm operations (install, upgrade, uninstall, rollback) run at once; bounds the helm worker's memory [SPE_HELM_CONCURRENCY; default 4]",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error [SPE_LOG_LEVEL; default info]")
    .option("--log-format <format>", "json or pretty [SPE_LOG_FORMAT; default json]");
}

function podNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The edge: flags and process.env become a RunConfig here and nowhere else. */
export function configFrom(raw: RawRunOptions): RunConfig {
  const pod = podNamespace();
  return runConfig(raw, { env: process.env, ...(pod === undefined ? {} : { podNamespace: pod }) });
}

function loadKubeConfig(file: string | undefined, flag: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file === undefined) kc.loadFromCluster();
    else kc.loadFromFile(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file ?? "(in-cluster)"}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new UsageError(`${flag} ${file ?? "(in-cluster)"}: no current cluster`);
  return kc;
}

export function clustersFrom(config: RunConfig): { platform: KubeConfig; onboarding: KubeConfig } {
  const platform = loadKubeConfig(config.platformKubeconfig, "--platform-kubeconfig");
  const onboarding =
    config.onboardingKubeconfig === undefined
      ? platform
      : loadKubeConfig(config.onboardingKubeconfig, "--onboarding-kubeconfig");
  return { platform, onboarding };
}

export function loggerFrom(config: RunConfig): Logger {
  const base = { component: "spe", ...(config.environment ? { environment: config.environment } : {}) };
  return createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty", base });
}
