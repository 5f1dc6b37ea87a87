/**
 * What the status says about the inputs it reflects. The ProviderConfig a status was made
 * with is recorded (status.providerConfigRef, with its generation); while the work for a new
 * spec generation waits (here: the target cluster's network stalls under the upgrade) the
 * object says Progressing for that generation instead of Ready for the old one; and a
 * file:// chart repository, which helm cannot fetch from, is refused as invalid input.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { CuttableProxy } from "./engine-support.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-inputs-${id}`;
const SIZED = "sized.tests.spe.dev";
const REPO = "repourl.tests.spe.dev";

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
}
interface Status {
  phase?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  providerConfigRef?: { name: string; generation?: number };
}
interface Obj {
  metadata: { name: string; generation?: number };
  status?: Status;
}

const worker = (logLevel: string) => ({
  apiVersion: `${SIZED}/v1alpha1`,
  kind: "SizedWorker",
  metadata: { name: "w1", namespace: NS },
  spec: { logLevel },
});
const sizedConfig = (memory: string) => ({
  apiVersion: `${SIZED}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "sized" },
  spec: { memory },
});

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let proxy: CuttableProxy;

async function get(apiVersion: string, kind: string, name: string): Promise<Obj | undefined> {
  return await KubeClient.for(onboarding).get({ apiVersion, kind, name, namespace: NS });
}

const getWorker = (): Promise<Obj | undefined> => get(`${SIZED}/v1alpha1`, "SizedWorker", "w1");

function condition(obj: Obj | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

async function configGeneration(): Promise<number | undefined> {
  const config = (await KubeClient.for(platform).get({
    apiVersion: `${SIZED}/v1alpha1`,
    kind: "ProviderConfig",
    name: "sized",
  })) as Obj | undefined;
  return config?.metadata.generation;
}

/** The latest revision of release w1, read on mcp directly (not through the proxy). */
async function revision(): Promise<number> {
  const secrets = await KubeClient.for(mcp).list("v1", "Secret", {
    namespace: NS,
    labelSelector: "owner=helm,name=w1",
  });
  return Math.max(0, ...secrets.map((s) => Number(s.metadata.labels?.version ?? 0)));
}

async function settings(): Promise<string | undefined> {
  const cm = await read(mcp, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "w1-settings", namespace: NS },
    data: { LOG_LEVEL: "" },
  });
  return cm?.data.LOG_LEVEL;
}

async function readyAt(generation: number): Promise<Obj> {
  return eventually(
    `w1 Ready at generation ${generation}`,
    async () => {
      const obj = await getWorker();
      return obj?.status?.phase === "Ready" && obj.status.observedGeneration === generation ? obj : undefined;
    },
    90_000,
  );
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  proxy = new CuttableProxy(new URL(testEnv().clusters.mcp.server));
  await proxy.open();
  engine = await startEngine([
    await loadProvider("test/fixtures/descriptors/sized.yaml"),
    await loadProvider("test/fixtures/descriptors/repo-url.yaml"),
  ]);
  for (const kc of [onboarding, platform, mcp])
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  // w1 reaches mcp through the proxy, so the test can stall the network under its upgrade.
  const text = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "w1-kubeconfig", namespace: NS },
    stringData: {
      kubeconfig: text.replace(testEnv().clusters.mcp.server, `https://127.0.0.1:${proxy.port}`),
    },
  });
  await apply(platform, sizedConfig("64Mi"));
  await apply(onboarding, worker("info"));
  await readyAt(1);
});

afterAll(async () => {
  proxy.resume();
  const client = KubeClient.for(onboarding);
  for (const [group, kind] of [
    [SIZED, "SizedWorker"],
    [REPO, "RepoWorker"],
  ] as const) {
    for (const o of await client.list(`${group}/v1alpha1`, kind, { namespace: NS })) {
      const ref = { apiVersion: `${group}/v1alpha1`, kind, name: o.metadata.name, namespace: NS };
      await client.delete(ref);
      await eventually("cleanup", async () => ((await client.get(ref)) ? undefined : true), 60_000).catch(
        () => undefined,
      );
    }
  }
  await engine.stop();
  await proxy.cut();
  await removeProvider({ group: SIZED, apiPlural: "sizedworkers", configName: "sized", namespace: NS });
  await removeProvider({ group: REPO, apiPlural: "repoworkers", configName: "repourl", namespace: NS });
});

describe("the inputs a status reflects", () => {
  it("records the ProviderConfig and its generation, and follows a config change", async () => {
    const before = await configGeneration();
    expect((await getWorker())?.status?.providerConfigRef).toEqual({ name: "sized", generation: before });
    await apply(platform, sizedConfig("80Mi"));
    const after = await configGeneration();
    expect(after).toBeGreaterThan(before ?? 0);
    await eventually(
      "providerConfigRef at the new config generation, Ready",
      async () => {
        const s = (await getWorker())?.status;
        return s?.phase === "Ready" && s.providerConfigRef?.generation === after ? true : undefined;
      },
      60_000,
    );
    expect((await getWorker())?.status?.providerConfigRef).toEqual({ name: "sized", generation: after });
  });

  it("says Progressing for the new generation while its upgrade waits, and Ready once it converged", async () => {
    const generation = (await getWorker())?.metadata.generation ?? 0;
    const released = await revision();
    proxy.stall();
    try {
      await apply(onboarding, worker("debug"));
      const progressing = await eventually(
        "w1 Progressing at the new generation",
        async () => {
          const obj = await getWorker();
          return obj?.status?.phase === "Progressing" && obj.status.observedGeneration === generation + 1
            ? obj
            : undefined;
        },
        20_000,
      );
      const ready = condition(progressing, "Ready");
      expect(ready).toMatchObject({ status: "False", observedGeneration: generation + 1 });
      expect(condition(progressing, "Deployed")).toMatchObject({
        status: "Unknown",
        reason: "Progressing",
        message: `applying generation ${generation + 1}`,
      });
      // The upgrade has not happened: it waits behind the stalled network.
      expect(await revision()).toBe(released);
      expect(await settings()).toBe("info");
    } finally {
      proxy.resume();
    }
    await readyAt(generation + 1);
    expect(await settings()).toBe("debug");
    expect(await revision()).toBeGreaterThan(released);
  });

  it("refuses a file:// chart repository as invalid input, naming chart.path instead", async () => {
    await grantTarget(NS, "r1-kubeconfig", "mcp");
    await apply(platform, {
      apiVersion: `${REPO}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: "repourl" },
      spec: { repo: "file://../charts" },
    });
    await apply(onboarding, {
      apiVersion: `${REPO}/v1alpha1`,
      kind: "RepoWorker",
      metadata: { name: "r1", namespace: NS },
      spec: {},
    });
    const failed = await eventually(
      "r1 Deployed=False",
      async () => {
        const c = condition(await get(`${REPO}/v1alpha1`, "RepoWorker", "r1"), "Deployed");
        return c?.status === "False" ? c : undefined;
      },
      60_000,
    );
    expect(failed.reason).toBe("InvalidInput");
    expect(failed.message).toContain('chart.repo "file://../charts" is not an http(s) URL');
    expect(failed.message).toContain("chart.path");
    const releases = await KubeClient.for(mcp).list("v1", "Secret", {
      namespace: NS,
      labelSelector: "owner=helm,name=r1",
    });
    expect(releases).toEqual([]);
  });
});
