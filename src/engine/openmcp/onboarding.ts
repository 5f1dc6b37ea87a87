/**
 * Onboarding access as openMCP's clusteraccess.CreateAndWaitForCluster gets it: a ClusterRequest
 * (purpose onboarding) in the provider's namespace, waited for; then an AccessRequest pointing to
 * it, waited for until Granted at its current generation; then the kubeconfig from the Secret
 * the grant names. Bounded: openMCP gives up after 30 minutes, and so does spe (then the Job or
 * the pod fails and is retried). Progress is reported while waiting.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeClient } from "../../kube/client.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { accessGrant, clusterGrant, type Grant } from "./grant.js";
import { PlatformRequests, refOf } from "./platform-requests.js";
import { onboardingRequests, type PolicyRule } from "./requests.js";

/** A step of the protocol that did not work out; its message is the one line a failed Job shows. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

export interface OnboardingOptions {
  platform: KubeConfig;
  /** Names the requests and labels them managed-by (spe uses the ServiceProvider's name). */
  controller: string;
  namespace: string;
  /** `onboarding-init` or `onboarding-run`. */
  localName: string;
  rules: readonly PolicyRule[];
  timeoutMs: number;
  progress: (line: string) => void;
  /** How often the requests are read while waiting (default 2 s). */
  pollMs?: number;
  /** How often a waiting line is printed (default 10 s). */
  reportMs?: number;
}

export interface GrantedAccess {
  accessRequest: KubeObject;
  secret: KubeObject;
  /** The kubeconfig text from the Secret's `kubeconfig` key. */
  kubeconfig: string;
}

function where(obj: KubeObject): string {
  return `${obj.kind} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** Polls `obj` until `grant` says granted; denied or the deadline end it with a ProtocolError. */
async function waitForGrant(
  requests: PlatformRequests,
  obj: KubeObject,
  grant: (live: KubeObject) => Grant,
  opts: OnboardingOptions,
): Promise<KubeObject> {
  const started = Date.now();
  let reported = 0;
  for (;;) {
    const live = await requests.read(refOf(obj));
    if (!live) throw new ProtocolError(`${where(obj)} disappeared while waiting for it to be granted`);
    const state = grant(live);
    if (state.state === "granted") return live;
    if (state.state === "denied") throw new ProtocolError(state.message);
    const waited = Date.now() - started;
    if (waited >= opts.timeoutMs) {
      throw new ProtocolError(`${state.message} after ${Math.round(waited / 1000)} s; giving up`);
    }
    if (waited >= reported) {
      opts.progress(`waiting: ${state.message} (${Math.round(waited / 1000)} s)`);
      reported = waited + (opts.reportMs ?? 10_000);
    }
    await sleep(opts.pollMs ?? 2_000);
  }
}

/** Reads the kubeconfig a granted AccessRequest points to. */
export async function grantedKubeconfig(
  client: KubeClient,
  request: KubeObject,
): Promise<{ secret: KubeObject; kubeconfig: string }> {
  const grant = accessGrant(request);
  if (grant.state !== "granted") throw new ProtocolError(grant.message);
  const namespace = request.metadata.namespace ?? "";
  const secret = await client.get({ apiVersion: "v1", kind: "Secret", name: grant.secretName, namespace });
  if (!secret)
    throw new ProtocolError(`Secret ${namespace}/${grant.secretName} named by ${where(request)} not found`);
  const data = secret.data as Record<string, string> | undefined;
  if (data?.kubeconfig === undefined) {
    throw new ProtocolError(
      `Secret ${namespace}/${grant.secretName} named by ${where(request)} has no key "kubeconfig"`,
    );
  }
  return { secret, kubeconfig: Buffer.from(data.kubeconfig, "base64").toString("utf8") };
}

export async function requestOnboardingAccess(opts: OnboardingOptions): Promise<GrantedAccess> {
  const client = KubeClient.for(opts.platform);
  const requests = new PlatformRequests(client);
  const { clusterRequest, accessRequest } = onboardingRequests(
    opts.controller,
    opts.localName,
    opts.namespace,
    opts.rules,
  );
  opts.progress(`requesting onboarding access: ${where(clusterRequest)}`);
  await waitForGrant(requests, await requests.ensure(clusterRequest), clusterGrant, opts);
  opts.progress(`requesting onboarding access: ${where(accessRequest)}`);
  const granted = await waitForGrant(requests, await requests.ensure(accessRequest), accessGrant, opts);
  const { secret, kubeconfig } = await grantedKubeconfig(client, granted);
  opts.progress(`onboarding access granted: ${where(granted)} (Secret ${secret.metadata.name})`);
  return { accessRequest: granted, secret, kubeconfig };
}
