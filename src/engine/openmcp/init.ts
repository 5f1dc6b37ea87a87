/**
 * `spe init` in openMCP mode, the steps of openMCP's init job: onboarding access through
 * spe's own ClusterRequest and AccessRequest (`<provider>--onboarding-init`, permission on
 * CRDs), the descriptor's CRDs routed by their `openmcp.cloud/cluster` label (the API to the
 * onboarding cluster, the ProviderConfig to the platform), and the served kinds registered in
 * the ServiceProvider's `status.resources`. Every step is idempotent; a failed one throws a
 * ProtocolError naming it, and the Job fails (unlike the template, which exits 0), so the
 * operator runs it again.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { KubeClient } from "../../kube/client.js";
import { parseKubeconfig } from "../access/kubeconfig.js";
import { applyCrd } from "../descriptors/crd-manager.js";
import type { Provider } from "../descriptors/provider.js";
import { registerServedKinds, type GroupVersionKind } from "../status/service-provider.js";
import { crdCluster } from "./crds.js";
import { generateCrds } from "../../descriptor/index.js";
import { ProtocolError, requestOnboardingAccess } from "./onboarding.js";
import { INIT_RULES } from "./requests.js";

export interface OpenMcpInitOptions {
  platform: KubeConfig;
  provider: Provider;
  /** The ServiceProvider's name (--provider-name). */
  providerName: string;
  namespace: string;
  accessTimeoutMs: number;
  progress: (line: string) => void;
  pollMs?: number;
}

/** What the ControlPlane controller deletes before an MCP goes: the API kind, per served version. */
export function servedKinds(provider: Provider): GroupVersionKind[] {
  const { api } = provider.compiled;
  return api.versions
    .filter((v) => v.served)
    .map((v) => ({ group: api.group, version: v.name, kind: api.kind }));
}

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ProtocolError(`${name}: ${message}`, { cause: err });
  }
}

export async function openmcpInit(opts: OpenMcpInitOptions): Promise<void> {
  const access = await step("onboarding access", () =>
    requestOnboardingAccess({
      platform: opts.platform,
      controller: opts.providerName,
      namespace: opts.namespace,
      localName: "onboarding-init",
      rules: INIT_RULES,
      timeoutMs: opts.accessTimeoutMs,
      progress: opts.progress,
      ...(opts.pollMs === undefined ? {} : { pollMs: opts.pollMs }),
    }),
  );
  const source = `Secret ${access.secret.metadata.namespace ?? ""}/${access.secret.metadata.name} key "kubeconfig"`;
  const onboarding = await step("onboarding access", () =>
    Promise.resolve(parseKubeconfig(access.kubeconfig, source)),
  );
  const clients = { onboarding: KubeClient.for(onboarding), platform: KubeClient.for(opts.platform) };
  for (const crd of generateCrds(opts.provider.compiled)) {
    const cluster = crdCluster(crd);
    await step(`CRD ${crd.metadata.name} on the ${cluster} cluster`, () => applyCrd(clients[cluster], crd));
    opts.progress(`CRD ${crd.metadata.name} installed on the ${cluster} cluster`);
  }
  const kinds = servedKinds(opts.provider);
  await step(`status.resources of ServiceProvider ${opts.providerName}`, () =>
    registerServedKinds(clients.platform, opts.providerName, kinds),
  );
  opts.progress(
    `registered ${kinds.map((k) => `${k.kind}.${k.group}/${k.version}`).join(", ")} on ServiceProvider ${opts.providerName}`,
  );
}
