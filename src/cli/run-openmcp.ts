/**
 * `spe run` in openMCP mode, before the runtime starts: the descriptor named by --provider-name
 * (its API group sets the permissions to ask for), the platform cluster in-cluster, the
 * onboarding cluster through spe's AccessRequest `<provider>--onboarding-run` (waited for,
 * bounded, with progress in the log), followed afterwards for renewals.
 */
import { FollowedKubeconfigs } from "../engine/openmcp/followed.js";
import { shortenName } from "../engine/openmcp/names.js";
import { requestOnboardingAccess } from "../engine/openmcp/onboarding.js";
import { OnboardingFollower } from "../engine/openmcp/onboarding-follow.js";
import { runRules } from "../engine/openmcp/requests.js";
import type { Logger } from "../engine/runtime/logger.js";
import type { KubeConfig } from "../kube/kubeconfig.js";
import { loadNamedProvider } from "./init-openmcp.js";
import type { OpenMcpSettings } from "./openmcp-config.js";
import { platformFrom } from "./run-common.js";
import type { RunConfig } from "./run-config.js";

/** One Lease per ServiceProvider: several providers of spe share the operator's namespace. */
export function openmcpLease(providerName: string): string {
  return shortenName(`spe-leader-${providerName}`);
}

export interface OpenMcpClusters {
  platform: KubeConfig;
  onboarding: KubeConfig;
  follower: OnboardingFollower;
}

export async function openmcpClusters(
  config: RunConfig,
  settings: OpenMcpSettings,
  logger: Logger,
  onRestart: (reason: string) => void,
): Promise<OpenMcpClusters> {
  const provider = await loadNamedProvider(config, settings.providerName, logger);
  const platform = platformFrom(config);
  const granted = await requestOnboardingAccess({
    platform,
    controller: settings.providerName,
    namespace: settings.namespace,
    localName: "onboarding-run",
    rules: runRules(provider.compiled.api.group),
    timeoutMs: settings.accessTimeoutMs,
    progress: (line) => {
      logger.info({ provider: settings.providerName }, line);
    },
  });
  const follower = new OnboardingFollower({
    platform,
    granted,
    kubeconfigs: new FollowedKubeconfigs(),
    logger: logger.child({ component: "onboarding-access" }),
    onRestart,
  });
  follower.start();
  return { platform, onboarding: follower.kubeconfig, follower };
}
