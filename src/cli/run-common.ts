/** What `spe run` and `spe init` share: their flags, the config from flags and environment, clusters and logger. */
import { KubeConfig, SERVICE_ACCOUNT_DIR } from "../kube/kubeconfig.js";
import { type Command, Option } from "commander";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createLogger, type Logger } from "../engine/runtime/logger.js";
import { UsageError } from "./io.js";
import { runConfig, type RawRunOptions, type RunConfig } from "./run-config.js";

/** The descriptors packaged with spe (providers/ beside src/ or dist/, as in the image). */
const PACKAGED_PROVIDERS = fileURLToPath(new URL("../../providers", import.meta.url));

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
    .option(
      "--provider-name <name>",
      "serve only this descriptor; with --environment: openMCP mode (the ServiceProvider's name) [SPE_PROVIDER_NAME]",
    )
    .option(
      "--environment <name>",
      "openMCP environment; with --provider-name: openMCP mode [SPE_ENVIRONMENT]",
    )
    .option("--verbosity <level>", "openMCP verbosity: error, info, debug, … [SPE_VERBOSITY]")
    .option(
      "--workers <n>",
      "concurrent reconciles; helm operations are bounded apart (--helm-concurrency) [SPE_WORKERS; default 16]",
    )
    .option(
      "--sync-period <duration>",
      "longest time a converged object goes without a full reconcile; polls in between skip the render while its watches report no change [SPE_SYNC_PERIOD; default 10m]",
    )
    .option(
      "--drain-deadline <duration>",
      "how long SIGTERM waits for in-flight reconciles; past it spe exits 1 and leaves the Lease to expire [SPE_DRAIN_DEADLINE; default 30s]",
    )
    .option("--ops-port <port>", "port of /metrics, /healthz, /readyz [SPE_OPS_PORT; default 8080]")
    .option("--metrics-addr <addr>", "[host]:port for /metrics, overrides --ops-port [SPE_METRICS_ADDR]")
    .option("--metrics-bind-address <addr>", "openmcp-operator's name for --metrics-addr")
    .addOption(
      new Option(
        "--metrics-secure [bool]",
        "serve /metrics over TLS, only to callers the platform cluster authenticates (TokenReview) and allows get /metrics (SubjectAccessReview); needs --metrics-cert-dir and an address apart from --health-addr [SPE_METRICS_SECURE; default false]",
      ),
    )
    .option("--metrics-cert-dir <dir>", "tls.crt and tls.key of --metrics-secure [SPE_METRICS_CERT_DIR]")
    .option(
      "--access-timeout <duration>",
      "openMCP mode: how long to wait for a ClusterRequest or AccessRequest to be granted [SPE_ACCESS_TIMEOUT; default 30m]",
    )
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
      "spe-helm-worker binary (Helm v4 SDK) [SPE_HELM_WORKER; default bin/spe-helm-worker of this package if built (npm run build:worker), else spe-helm-worker on PATH]",
    )
    .option(
      "--helm-concurrency <n>",
      "helm operations (install, upgrade, uninstall, rollback) run at once; bounds the helm worker's memory [SPE_HELM_CONCURRENCY; default 4]",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error [SPE_LOG_LEVEL; default info]")
    .option("--log-format <format>", "json or pretty [SPE_LOG_FORMAT; default json]");
}

function podNamespace(dir: string): string | undefined {
  try {
    return readFileSync(`${dir}/namespace`, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The edge: flags and process.env become a RunConfig here and nowhere else. */
export function configFrom(raw: RawRunOptions): RunConfig {
  const pod = podNamespace(process.env.SPE_SERVICE_ACCOUNT_DIR ?? SERVICE_ACCOUNT_DIR);
  return runConfig(raw, {
    env: process.env,
    packagedProviders: PACKAGED_PROVIDERS,
    ...(pod === undefined ? {} : { podNamespace: pod }),
  });
}

function loadKubeConfig(file: string | undefined, flag: string, saDir: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (file === undefined) kc.loadFromCluster("", saDir);
    else kc.loadFromFile(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file ?? "(in-cluster)"}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new UsageError(`${flag} ${file ?? "(in-cluster)"}: no current cluster`);
  return kc;
}

/** The platform cluster: the kubeconfig file, else the pod's service account. */
export function platformFrom(config: RunConfig): KubeConfig {
  return loadKubeConfig(config.platformKubeconfig, "--platform-kubeconfig", saDirOf(config));
}

function saDirOf(config: RunConfig): string {
  return config.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
}

export function clustersFrom(config: RunConfig): { platform: KubeConfig; onboarding: KubeConfig } {
  const platform = platformFrom(config);
  const onboarding =
    config.onboardingKubeconfig === undefined
      ? platform
      : loadKubeConfig(config.onboardingKubeconfig, "--onboarding-kubeconfig", saDirOf(config));
  return { platform, onboarding };
}

export function loggerFrom(config: RunConfig): Logger {
  const base = { component: "spe", ...(config.environment ? { environment: config.environment } : {}) };
  return createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty", base });
}
