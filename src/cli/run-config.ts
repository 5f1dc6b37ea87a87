/**
 * The configuration of `spe run` and `spe init`: flags with environment
 * fallbacks, parsed once here into a typed object. Nothing below the CLI
 * reads process.env. Bad values fail with the flag, the value and what is
 * expected.
 */
import { parseDuration } from "../descriptor/names.js";
import {
  DEFAULT_HELM_CONCURRENCY,
  DEFAULT_SYNC_PERIOD_MS,
  DEFAULT_WORKERS,
} from "../engine/runtime/defaults.js";
import { UsageError } from "./io.js";
import { openmcpSettings, type OpenMcpSettings } from "./openmcp-config.js";

export type LogFormat = "json" | "pretty";

export interface Address {
  host: string;
  port: number;
}

export interface RunConfig {
  /** Kubeconfig file of the platform cluster; undefined means in-cluster. */
  platformKubeconfig?: string;
  /** Kubeconfig file of the onboarding cluster; undefined means the platform cluster. */
  onboardingKubeconfig?: string;
  descriptors: string[];
  descriptorNamespace?: string;
  providerName?: string;
  environment?: string;
  workers: number;
  /** How long a converged object goes without a full reconcile (ms). */
  syncPeriodMs: number;
  /** How long SIGTERM waits for in-flight reconciles before the process exits anyway (ms). */
  drainDeadlineMs: number;
  metricsAddr: Address;
  healthAddr: Address;
  /** /metrics over TLS (tls.crt, tls.key of this directory), for callers allowed `get /metrics` only. */
  metricsTls?: { certDir: string };
  leaderElect: boolean;
  leaderNamespace: string;
  helmWorker?: string;
  /** Helm operations (install, upgrade, uninstall, rollback) run at once. */
  helmConcurrency: number;
  logLevel: string;
  logFormat: LogFormat;
  /** Where the pod's service account token, CA and namespace are (in-cluster access). */
  serviceAccountDir?: string;
  /** Set when started by openmcp-operator (--provider-name and --environment): speak its protocol. */
  openmcp?: OpenMcpSettings;
}

/** What commander hands over (every value a string; repeatable flags arrays). */
export interface RawRunOptions {
  platformKubeconfig?: string;
  onboardingKubeconfig?: string;
  descriptors?: string[];
  descriptorNamespace?: string;
  providerName?: string;
  environment?: string;
  verbosity?: string;
  workers?: string;
  syncPeriod?: string;
  drainDeadline?: string;
  opsPort?: string;
  metricsAddr?: string;
  healthAddr?: string;
  leaderElect?: boolean | string;
  leaderNamespace?: string;
  helmWorker?: string;
  helmConcurrency?: string;
  logLevel?: string;
  logFormat?: string;
  /** openmcp-operator's name for --metrics-addr. */
  metricsBindAddress?: string;
  metricsSecure?: boolean | string;
  metricsCertDir?: string;
  accessTimeout?: string;
}

/** Facts about where the process runs, read by the caller. */
export interface RunEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  /** The pod's namespace from the service account mount, if there is one. */
  podNamespace?: string;
  /** The descriptors packaged with spe (providers/), served in openMCP mode unless others are named. */
  packagedProviders?: string;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** openMCP's --verbosity (names like DEBUG, or controller-runtime style numbers) as a pino level. */
export function levelFromVerbosity(value: string): string {
  const v = value.trim().toLowerCase();
  if (/^\d+$/.test(v)) return Number(v) === 0 ? "info" : Number(v) === 1 ? "debug" : "trace";
  if (v === "warning") return "warn";
  if (LEVELS.includes(v)) return v;
  throw new UsageError(`--verbosity ${value}: expected one of ${LEVELS.join(", ")} or a number`);
}

function level(raw: RawRunOptions, env: RunEnvironment["env"]): string {
  if (raw.logLevel !== undefined) {
    if (!LEVELS.includes(raw.logLevel)) {
      throw new UsageError(`--log-level ${raw.logLevel}: expected one of ${LEVELS.join(", ")}`);
    }
    return raw.logLevel;
  }
  const verbosity = raw.verbosity ?? env.SPE_VERBOSITY;
  if (verbosity !== undefined) return levelFromVerbosity(verbosity);
  return level({ logLevel: env.SPE_LOG_LEVEL ?? "info" }, {});
}

/** `:8080`, `8080`, `127.0.0.1:8080` or `[::1]:8080`. */
export function parseAddress(flag: string, value: string): Address {
  const m = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+)$/.exec(value.trim());
  const port = Number(m?.[2]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(`${flag} ${value}: expected [host]:port with a port from 0 to 65535, e.g. :8080`);
  }
  const host = (m[1] ?? "").replace(/^\[|\]$/g, "");
  return { host: host || "0.0.0.0", port };
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1)
    throw new UsageError(`${flag} ${value}: expected a whole number ≥ 1`);
  return n;
}

function duration(flag: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const ms = parseDuration(value.trim());
  if (ms === undefined || ms <= 0)
    throw new UsageError(`${flag} ${value}: expected a duration such as 30s, 10m or 1h30m`);
  return ms;
}

function bool(flag: string, value: boolean | string | undefined): boolean {
  if (value === undefined || typeof value === "boolean") return value ?? false;
  if (["true", "1", "yes"].includes(value.toLowerCase())) return true;
  if (["false", "0", "no", ""].includes(value.toLowerCase())) return false;
  throw new UsageError(`${flag} ${value}: expected true or false`);
}

function logFormat(value: string): LogFormat {
  if (value === "json" || value === "pretty") return value;
  throw new UsageError(`--log-format ${value}: expected json or pretty`);
}

/** A comma-separated list, as environment variables carry repeatable flags. */
function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function addresses(
  raw: RawRunOptions,
  env: RunEnvironment["env"],
): Pick<RunConfig, "metricsAddr" | "healthAddr"> {
  const port = raw.opsPort ?? env.SPE_OPS_PORT ?? "8080";
  const ops = parseAddress("--ops-port", `:${port}`);
  const metrics = raw.metricsAddr ?? raw.metricsBindAddress ?? env.SPE_METRICS_ADDR;
  const health = raw.healthAddr ?? env.SPE_HEALTH_ADDR;
  return {
    metricsAddr: metrics === undefined ? ops : parseAddress("--metrics-addr", metrics),
    healthAddr: health === undefined ? ops : parseAddress("--health-addr", health),
  };
}

/** Secure metrics need their own address (probes speak plain HTTP) and a certificate. */
function metricsTls(
  raw: RawRunOptions,
  env: Env,
  where: Pick<RunConfig, "metricsAddr" | "healthAddr">,
): Pick<RunConfig, "metricsTls"> {
  if (!bool("--metrics-secure", raw.metricsSecure ?? env.SPE_METRICS_SECURE)) return {};
  const certDir = raw.metricsCertDir ?? env.SPE_METRICS_CERT_DIR;
  if (!certDir)
    throw new UsageError("--metrics-secure: pass --metrics-cert-dir <dir> holding tls.crt and tls.key");
  const { metricsAddr: m, healthAddr: h } = where;
  // Port 0 picks a free port for each: two servers apart all the same.
  if (m.port !== 0 && m.host === h.host && m.port === h.port)
    throw new UsageError(
      "--metrics-secure: give /metrics an address of its own (--metrics-addr), apart from --health-addr, whose probes speak plain HTTP",
    );
  return { metricsTls: { certDir } };
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

type Env = RunEnvironment["env"];

function clusters(raw: RawRunOptions, env: Env): Partial<RunConfig> {
  const platformKubeconfig = raw.platformKubeconfig ?? env.SPE_PLATFORM_KUBECONFIG;
  if (platformKubeconfig === undefined && env.KUBERNETES_SERVICE_HOST === undefined) {
    throw new UsageError(
      "no platform cluster: pass --platform-kubeconfig <file> (or SPE_PLATFORM_KUBECONFIG), or run in a pod",
    );
  }
  return {
    platformKubeconfig,
    onboardingKubeconfig: raw.onboardingKubeconfig ?? env.SPE_ONBOARDING_KUBECONFIG,
  };
}

function sources(
  raw: RawRunOptions,
  where: RunEnvironment,
  openmcp: boolean,
): Pick<RunConfig, "descriptors" | "descriptorNamespace" | "providerName"> {
  const { env } = where;
  let descriptors = raw.descriptors?.length ? raw.descriptors : list(env.SPE_DESCRIPTORS);
  // One image serves one ServiceProvider: the descriptor it names among those packaged with spe.
  if (descriptors.length === 0 && openmcp && where.packagedProviders !== undefined)
    descriptors = [where.packagedProviders];
  const descriptorNamespace = raw.descriptorNamespace ?? env.SPE_DESCRIPTOR_NAMESPACE;
  if (descriptors.length === 0 && descriptorNamespace === undefined) {
    throw new UsageError(
      "nothing to serve: pass --descriptors <dir|file> (repeatable) and/or --descriptor-namespace <namespace>",
    );
  }
  return { descriptors, descriptorNamespace, providerName: raw.providerName ?? env.SPE_PROVIDER_NAME };
}

function operations(raw: RawRunOptions, where: RunEnvironment): Partial<RunConfig> {
  const { env } = where;
  return {
    environment: raw.environment ?? env.SPE_ENVIRONMENT,
    leaderElect: bool("--leader-elect", raw.leaderElect ?? env.SPE_LEADER_ELECT),
    leaderNamespace: raw.leaderNamespace ?? env.SPE_LEADER_NAMESPACE ?? where.podNamespace ?? "default",
    helmWorker: raw.helmWorker ?? env.SPE_HELM_WORKER,
    logLevel: level(raw, env),
    logFormat: logFormat(raw.logFormat ?? env.SPE_LOG_FORMAT ?? "json"),
  };
}

function throughput(
  raw: RawRunOptions,
  env: Env,
): Pick<RunConfig, "workers" | "syncPeriodMs" | "helmConcurrency" | "drainDeadlineMs"> {
  return {
    drainDeadlineMs: duration("--drain-deadline", raw.drainDeadline ?? env.SPE_DRAIN_DEADLINE, 30_000),
    workers: positiveInt("--workers", raw.workers ?? env.SPE_WORKERS ?? String(DEFAULT_WORKERS)),
    syncPeriodMs: duration("--sync-period", raw.syncPeriod ?? env.SPE_SYNC_PERIOD, DEFAULT_SYNC_PERIOD_MS),
    helmConcurrency: positiveInt(
      "--helm-concurrency",
      raw.helmConcurrency ?? env.SPE_HELM_CONCURRENCY ?? String(DEFAULT_HELM_CONCURRENCY),
    ),
  };
}

export function runConfig(raw: RawRunOptions, where: RunEnvironment): RunConfig {
  const openmcp = openmcpSettings(raw, where);
  const inPod = openmcp ? { ...where, podNamespace: openmcp.namespace } : where;
  return defined({
    ...clusters(raw, where.env),
    ...sources(raw, where, openmcp !== undefined),
    ...operations(raw, inPod),
    ...throughput(raw, where.env),
    ...addresses(raw, where.env),
    ...metricsTls(raw, where.env, addresses(raw, where.env)),
    serviceAccountDir: where.env.SPE_SERVICE_ACCOUNT_DIR,
    openmcp,
  } as RunConfig);
}
