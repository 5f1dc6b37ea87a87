/**
 * Installs the CRDs a descriptor generates: the API CRD on the onboarding
 * cluster and the config CRD on the platform cluster, by server-side apply,
 * then waits until the apiserver reports them Established and serves them in discovery
 * (Established comes first; an informer started in between fails with "no matches for kind").
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CompiledDescriptor, KubeObject } from "../../descriptor/index.js";
import { apiCrd, configCrd } from "../../descriptor/index.js";
import { isNotFound, type KubeClient } from "../../kube/client.js";

export const CRD_MANAGER = "spe";

function established(crd: KubeObject | undefined): boolean {
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
}

interface CrdSpec {
  group: string;
  names: { kind: string };
  versions: { name: string; served?: boolean }[];
}

/** Whether discovery lists the CRD's kind in each served version. */
async function discoverable(client: KubeClient, crd: KubeObject): Promise<boolean> {
  const spec = crd.spec as CrdSpec;
  try {
    for (const version of spec.versions.filter((v) => v.served !== false))
      await client.resource(`${spec.group}/${version.name}`, spec.names.kind);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export async function applyCrd(client: KubeClient, crd: KubeObject, timeoutMs = 60_000): Promise<void> {
  await client.apply(crd, { manager: CRD_MANAGER, force: true });
  const deadline = Date.now() + timeoutMs;
  const ref = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name };
  while (!established(await client.get(ref)) || !(await discoverable(client, crd))) {
    if (Date.now() > deadline)
      throw new Error(`CRD ${crd.metadata.name} not Established and served after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export async function installCrds(
  compiled: CompiledDescriptor,
  clusters: { onboarding: KubeClient; platform: KubeClient },
): Promise<void> {
  await Promise.all([
    applyCrd(clusters.onboarding, apiCrd(compiled)),
    applyCrd(clusters.platform, configCrd(compiled)),
  ]);
}
