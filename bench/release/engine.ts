/**
 * spe as a separate process (`spe run`, compiled JS, the node flags it ships with) serving the
 * release benchmark's descriptor, and the API objects it is given and has taken away.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import type { RunningEnvironment } from "../../test/env/environment.js";
import { freePort } from "../../test/env/ports.js";
import { BENCH_ROOT } from "../scale/config.js";
import { startController, waitHttpOk, type Controller } from "../scale/process.js";
import { speRunArgs } from "../scale/spe-run.js";
import { NS } from "../scale/types.js";
import { pool, until } from "../scale/util.js";

const GROUP = "release.bench.spe.dev";
const API_VERSION = `${GROUP}/v1alpha1`;
const KIND = "PolicyEngine";

async function apply(kc: KubeConfig, obj: Record<string, unknown>): Promise<void> {
  await KubeClient.for(kc).apply(obj as KubeObject, { manager: "spe-bench", force: true });
}

export interface EngineClusters {
  platform: KubeConfig;
  onboarding: KubeConfig;
  mcp: KubeConfig;
}

export interface RunningEngine {
  controller: Controller;
  opsPort: number;
}

export async function startEngine(
  env: RunningEnvironment,
  kc: EngineClusters,
  opts: { main: string; node: string; dir: string; nodeArgs: string[]; args: string[]; env: string[] },
): Promise<RunningEngine> {
  for (const cluster of [kc.platform, kc.onboarding])
    await apply(cluster, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(kc.platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "mcp-kubeconfig", namespace: NS },
    stringData: { kubeconfig: await readFile(env.clusters.mcp.kubeconfigPath, "utf8") },
  });
  const opsPort = await freePort();
  const args = await speRunArgs({
    env,
    main: opts.main,
    descriptors: [join(BENCH_ROOT, "fixtures/helm/bench-release.yaml")],
    opsPort,
    helmWorker: env.binaries["spe-helm-worker"],
    nodeArgs: opts.nodeArgs,
    args: opts.args,
  });
  const controller = startController(opts.node, args, {
    log: join(opts.dir, "spe.log"),
    env: Object.fromEntries(
      opts.env.map((item) => [item.slice(0, item.indexOf("=")), item.slice(item.indexOf("=") + 1)]),
    ),
  });
  await waitHttpOk(`http://127.0.0.1:${opsPort}/readyz`, controller);
  const config = {
    apiVersion: API_VERSION,
    kind: "ProviderConfig",
    metadata: { name: "bench-release" },
    spec: { image: "registry.invalid/policy-engine:1.0.0" },
  };
  await until("ProviderConfig applied", async () => apply(kc.platform, config).then(() => true), 60_000);
  return { controller, opsPort };
}

export async function createObjects(
  onboarding: KubeConfig,
  names: readonly string[],
  crds: number,
): Promise<void> {
  await pool(names, 16, async (name) => {
    await apply(onboarding, {
      apiVersion: API_VERSION,
      kind: KIND,
      metadata: { name, namespace: NS },
      spec: { replicas: 1, crds },
    });
  });
}

export async function deleteObjects(onboarding: KubeConfig, names: readonly string[]): Promise<void> {
  const client = KubeClient.for(onboarding);
  await pool(names, 16, async (name) => {
    await client.delete({ apiVersion: API_VERSION, kind: KIND, name, namespace: NS });
  });
}

type Obj = { status?: { phase?: string; observedGeneration?: number }; metadata: { generation?: number } };

/** How many API objects exist, and how many of them report Ready for their generation. */
export async function objectCounts(onboarding: KubeConfig): Promise<{ total: number; ready: number }> {
  const items = (await KubeClient.for(onboarding).list(API_VERSION, KIND, { namespace: NS })) as Obj[];
  const ready = items.filter(
    (o) => o.status?.phase === "Ready" && o.status.observedGeneration === o.metadata.generation,
  ).length;
  return { total: items.length, ready };
}

/** CRDs the releases installed that are still there. */
export async function releaseCrds(mcp: KubeConfig): Promise<number> {
  const crds = await KubeClient.for(mcp).list("apiextensions.k8s.io/v1", "CustomResourceDefinition");
  return crds.filter((c) => c.metadata.name.endsWith(".policy.bench.spe.dev")).length;
}
