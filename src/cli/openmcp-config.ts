/**
 * openMCP mode of `spe init` and `spe run`: openmcp-operator starts a provider's image with
 * `--environment`, `--verbosity` and `--provider-name` (plus `--metrics-bind-address`,
 * `--metrics-secure` and `--leader-elect` for run). With both a provider name and an
 * environment, spe speaks openMCP's protocol: it requests its onboarding access and each MCP's
 * access through AccessRequests in the pod's namespace and the MCPs' tenant namespaces.
 */
import { parseDuration } from "../descriptor/names.js";
import { UsageError } from "./io.js";
import type { RawRunOptions, RunEnvironment } from "./run-config.js";

export interface OpenMcpSettings {
  /** The ServiceProvider's name: selects the descriptor, names spe's requests and the ProviderConfig. */
  providerName: string;
  environment: string;
  /** The pod's namespace, where the onboarding requests go. */
  namespace: string;
  /** How long to wait for a ClusterRequest or AccessRequest to be granted (openMCP waits 30 minutes). */
  accessTimeoutMs: number;
}

export const DEFAULT_ACCESS_TIMEOUT_MS = 30 * 60_000;

function accessTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ACCESS_TIMEOUT_MS;
  const ms = parseDuration(value.trim());
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--access-timeout ${value}: expected a duration such as 90s, 30m or 1h`);
  return ms;
}

export function openmcpSettings(raw: RawRunOptions, where: RunEnvironment): OpenMcpSettings | undefined {
  const { env } = where;
  const providerName = raw.providerName ?? env.SPE_PROVIDER_NAME;
  const environment = raw.environment ?? env.SPE_ENVIRONMENT;
  if (!providerName || !environment) return undefined;
  if ((raw.onboardingKubeconfig ?? env.SPE_ONBOARDING_KUBECONFIG) !== undefined) {
    throw new UsageError(
      "--onboarding-kubeconfig: with --provider-name and --environment (openMCP mode) the onboarding cluster comes from an AccessRequest; leave it out",
    );
  }
  const namespace = env.POD_NAMESPACE ?? where.podNamespace;
  if (namespace === undefined || namespace === "") {
    throw new UsageError(
      "openMCP mode (--provider-name with --environment) needs the pod's namespace: set POD_NAMESPACE or run in a pod",
    );
  }
  return {
    providerName,
    environment,
    namespace,
    accessTimeoutMs: accessTimeout(raw.accessTimeout ?? env.SPE_ACCESS_TIMEOUT),
  };
}
