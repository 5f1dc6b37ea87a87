import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "../../../src/kube/kubeconfig.js";
import { clientNode } from "./client-node.js";

/** Server-side applies an object as the test's own field manager. */
export async function apply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const api = KubernetesObjectApi.makeApiClient(clientNode(kc));
  return api.patch(obj, undefined, undefined, "spe-tests", true, PatchStrategy.ServerSideApply);
}

/** Reads an object, or undefined when it does not exist. */
export async function read<T extends KubernetesObject>(kc: KubeConfig, ref: T): Promise<T | undefined> {
  const api = KubernetesObjectApi.makeApiClient(clientNode(kc));
  try {
    return await api.read(ref as T & { metadata: { name: string } });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Polls until `check` returns a value other than undefined; fails with the last observation. */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ""}`,
  );
}

type Conditioned = KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } };

export function hasCondition(obj: Conditioned | undefined, type: string, status = "True"): boolean {
  return obj?.status?.conditions?.some((c) => c.type === type && c.status === status) ?? false;
}
