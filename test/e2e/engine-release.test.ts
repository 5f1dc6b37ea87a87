/**
 * What the engine keeps of a target cluster is let go once the last API object using it is
 * deleted: the watches of the kinds it deployed and of its helm release Secrets stop and the
 * target cache holds nothing for it, the watch of its kubeconfig Secret's namespace stops
 * and the KubeConfig read from the Secret is dropped, the helm plugin keeps nothing of its
 * release, and the helm worker drops the cluster's clients. Before, all of it stayed for the life of the process (issue 19, item 7).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-release-${id}`;
const GROUP = "release.tests.spe.dev";
const api = (name: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Service",
  metadata: { name, namespace: NS },
  spec: { message: "hi" },
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let engine: Engine;
let onboarding: KubeConfig;
let mcp: KubeConfig;

async function ready(name: string): Promise<void> {
  await eventually(`${name} Ready`, async () => {
    const obj = (await read(onboarding, api(name))) as { status?: { phase?: string } } | undefined;
    return obj?.status?.phase === "Ready" ? true : undefined;
  });
}

async function deleted(name: string): Promise<void> {
  await KubeClient.for(onboarding).delete({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "Service",
    name,
    namespace: NS,
  });
  await eventually(
    `${name} gone`,
    async () => ((await read(onboarding, api(name))) ? undefined : true),
    60_000,
  );
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/release.yaml")], {
    watchLingerMs: 200,
  });
  for (const kc of [onboarding, mcp])
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of ["one", "two"]) await grantTarget(NS, `${name}-kubeconfig`, "mcp");
  await apply(kubeConfigFor("platform"), {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "release" },
    spec: {},
  });
});

afterAll(async () => {
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "services", configName: "release", namespace: NS });
});

describe("after the last API object of a target is deleted", () => {
  it("its watches stop, the caches hold nothing of it, and the helm worker drops the cluster's clients", async () => {
    for (const name of ["one", "two"]) await apply(onboarding, api(name));
    await Promise.all([ready("one"), ready("two")]);
    // Watches a reconcile only looked through (the namespace's, say) have stopped by now.
    await sleep(1_000);
    const busy = engine.watches();
    expect(busy.targets.watches).toEqual(
      // The kinds the chart deployed, and the set of helm's release records in the namespace.
      expect.arrayContaining([
        "apps/v1|Deployment",
        "v1|Service",
        "v1|ConfigMap",
        `v1|Secret|${NS}|owner=helm`,
      ]),
    );
    expect(busy.targets).toMatchObject({ owners: 2 });
    expect(busy.references).toBe(1); // the kubeconfig Secrets' namespace on the platform cluster
    expect(busy.kubeconfigs).toBe(2); // one per kubeconfig Secret
    expect(engine.helm.memory()).toEqual({ owners: 2, releases: 2, renders: 2, clusters: 1 });
    expect(await engine.helm.helm.clusters()).toBe(1);

    // One object left: everything stays, since the other still needs it.
    await deleted("one");
    await sleep(1_000);
    expect(engine.watches()).toMatchObject({ targets: { watches: busy.targets.watches, owners: 1 } });
    expect(engine.watches()).toMatchObject({ references: 1, kubeconfigs: 1 });
    expect(engine.helm.memory()).toMatchObject({ owners: 1, clusters: 1 });
    expect(await engine.helm.helm.clusters()).toBe(1);

    await deleted("two");
    await eventually("target and reference watches stopped", () => {
      const w = engine.watches();
      return Promise.resolve(w.targets.watches.length === 0 && w.references === 0 ? true : undefined);
    });
    expect(engine.watches()).toEqual({
      targets: { watches: [], owners: 0, verified: 0, deleted: 0 },
      references: 0,
      kubeconfigs: 0,
    });
    expect(engine.helm.memory()).toEqual({ owners: 0, releases: 0, renders: 0, clusters: 0 });
    await eventually("the helm worker dropped the cluster", async () =>
      (await engine.helm.helm.clusters()) === 0 ? true : undefined,
    );
  }, 120_000);
});
