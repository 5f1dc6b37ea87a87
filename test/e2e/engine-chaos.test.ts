/**
 * A bounded chaos run on the real clusters: API objects of a manifests provider deployed onto
 * mcp through the fault proxy, while a fault injector (seeded, loopback only) for CHAOS_MS
 * at random half-opens the target watches, cuts every connection, pauses traffic, answers
 * 429 or swallows new connections for a moment, rotates the target credentials (a new
 * ServiceAccount's token in every kubeconfig Secret, the old ServiceAccount deleted), and
 * edits or deletes deployed objects. The invariants once the faults stop: every object
 * Ready again within SETTLE_MS, no drift left (every deployed object as rendered), and no
 * orphans (nothing spe manages on mcp beyond what the objects ask for); and drift made after
 * the faults is corrected within seconds, so no watch was left dead.
 * SPE_CHAOS_MS lengthens the run; SPE_CHAOS_SEED replays one.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { type FaultProxy, isWatch, startFaultProxy } from "../support/fault-proxy.js";
import { pick, seededRandom } from "../support/seeded-random.js";
import { eventually } from "./engine-support.js";
import { kubeConfigFor } from "./support/env.js";
import { loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, read } from "./support/kube.js";
import { serviceAccountToken, servingCertificate, tokenKubeconfig } from "./support/tokens.js";

const NS = `spe-chaos-${randomBytes(3).toString("hex")}`;
const GROUP = "mf.tests.spe.dev";
const OBJECTS = 6;
const APPS = ["web", "api"];
const CHAOS_MS = Number(process.env.SPE_CHAOS_MS ?? 40_000);
const SETTLE_MS = 60_000;
const SEED = Number(process.env.SPE_CHAOS_SEED ?? Date.now() % 100_000);
const MANAGED = "app.kubernetes.io/managed-by=spe";

const names = Array.from({ length: OBJECTS }, (_, i) => `chaos-${i}`);
const greetingOf = (object: string, app: string): string => `${object} says hi from ${app}`;
const appSet = (name: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "AppSet",
  metadata: { name, namespace: NS },
  spec: { apps: APPS.map((app) => ({ name: `${name}-${app}`, greeting: greetingOf(name, app) })) },
});
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "mf-apps" },
  spec: { image: "registry.invalid/app:1" },
};

let engine: Engine;
let proxy: FaultProxy;
let mcp: KubeConfig;
let identity = 0;
const faults: Record<string, number> = {};

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every kubeconfig Secret gets a new ServiceAccount's token; the previous ServiceAccount (and its token) goes. */
async function rotate(): Promise<void> {
  const previous = identity;
  identity++;
  const token = await serviceAccountToken("mcp", NS, `spe-${identity}`);
  for (const name of names)
    await apply(kubeConfigFor("platform"), {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${name}-kubeconfig`, namespace: NS },
      stringData: { kubeconfig: tokenKubeconfig("mcp", token, proxy.url) },
    });
  if (previous > 0)
    await KubeClient.for(mcp).delete({
      apiVersion: "v1",
      kind: "ServiceAccount",
      namespace: NS,
      name: `spe-${previous}`,
    });
}

type Fault = (random: () => number) => Promise<void>;

const FAULTS: Record<string, Fault> = {
  halfOpenWatches: () => {
    proxy.halfOpen(isWatch);
    return Promise.resolve();
  },
  cutEverything: () => {
    proxy.cut();
    return Promise.resolve();
  },
  pause: async () => {
    proxy.pause();
    await wait(1_000);
    proxy.resume();
  },
  tooManyRequests: async () => {
    proxy.meet({ kind: "tooManyRequests", retryAfterSeconds: 1 });
    proxy.cut((c) => !isWatch(c));
    await wait(1_500);
    proxy.meet({ kind: "forward" });
  },
  blackhole: async () => {
    proxy.meet({ kind: "blackhole" });
    await wait(1_000);
    proxy.meet({ kind: "forward" });
  },
  rotateCredentials: () => rotate(),
  editConfigMap: async (random) => {
    const name = `${pick(random, names)}-${pick(random, APPS)}-config`;
    await KubeClient.for(mcp)
      .mergePatch(
        { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name },
        { data: { greeting: "chaos" } },
        "kubectl-edit",
      )
      .catch(() => undefined);
  },
  deleteDeployment: async (random) => {
    const name = `${pick(random, names)}-${pick(random, APPS)}`;
    await KubeClient.for(mcp).delete({ apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name });
  },
};

async function ready(name: string): Promise<boolean> {
  const obj = (await read(kubeConfigFor("onboarding"), appSet(name))) as {
    metadata: { generation?: number };
    status?: { phase?: string; observedGeneration?: number };
  };
  return obj.status?.phase === "Ready" && obj.status.observedGeneration === obj.metadata.generation;
}

/** What is wrong with the deployed objects now: drift, missing or orphaned objects. */
async function problems(): Promise<string[]> {
  const client = KubeClient.for(mcp);
  const found: string[] = [];
  const configMaps = await client.list("v1", "ConfigMap", { namespace: NS, labelSelector: MANAGED });
  const deployments = await client.list("apps/v1", "Deployment", { namespace: NS, labelSelector: MANAGED });
  const expected = names.flatMap((n) =>
    APPS.map((app) => ({ object: n, app: `${n}-${app}`, greeting: greetingOf(n, app) })),
  );
  for (const e of expected) {
    const cm = configMaps.find((c) => c.metadata.name === `${e.app}-config`);
    const greeting = (cm?.data as Record<string, string> | undefined)?.greeting;
    if (greeting !== e.greeting) found.push(`ConfigMap ${e.app}-config: ${greeting ?? "missing"}`);
    if (!deployments.some((d) => d.metadata.name === e.app)) found.push(`Deployment ${e.app}: missing`);
  }
  const wanted = new Set(expected.flatMap((e) => [`ConfigMap/${e.app}-config`, `Deployment/${e.app}`]));
  for (const o of [...configMaps, ...deployments])
    if (!wanted.has(`${o.kind}/${o.metadata.name}`)) found.push(`${o.kind} ${o.metadata.name}: orphaned`);
  return found;
}

beforeAll(async () => {
  mcp = kubeConfigFor("mcp");
  proxy = await startFaultProxy({
    target: new URL(mcp.getCurrentCluster()!.server),
    tls: await servingCertificate(),
  });
  for (const c of ["onboarding", "platform"] as const)
    await apply(kubeConfigFor(c), { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await rotate();
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/manifests-only.yaml")], {
    watchIdleMs: 2_000,
  });
  await apply(kubeConfigFor("platform"), config);
  for (const name of names) await apply(kubeConfigFor("onboarding"), appSet(name));
  await eventually(
    "every object Ready",
    async () => ((await Promise.all(names.map(ready))).every(Boolean) ? true : undefined),
    120_000,
  );
}, 300_000);

afterAll(async () => {
  proxy.meet({ kind: "forward" });
  proxy.resume();
  for (const name of names)
    await KubeClient.for(kubeConfigFor("onboarding")).delete({ ...appSet(name), name, namespace: NS });
  await eventually(
    "every object gone",
    async () => {
      const left = await Promise.all(names.map((n) => read(kubeConfigFor("onboarding"), appSet(n))));
      return left.every((o) => o === undefined) ? true : undefined;
    },
    SETTLE_MS,
  );
  await engine.stop();
  await proxy.close();
  await removeProvider({ group: GROUP, apiPlural: "appsets", configName: "mf-apps", namespace: NS });
  for (let i = 1; i <= identity; i++)
    await KubeClient.for(mcp).delete({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      name: `${NS}-spe-${i}`,
    });
}, 300_000);

describe(`a chaos run (seed ${SEED})`, () => {
  it(
    "ends with every object Ready within the settle time, no drift and no orphans",
    async () => {
      const random = seededRandom(SEED);
      const kinds = Object.keys(FAULTS);
      const end = Date.now() + CHAOS_MS;
      while (Date.now() < end) {
        const kind = pick(random, kinds);
        faults[kind] = (faults[kind] ?? 0) + 1;
        await FAULTS[kind]!(random);
        await wait(300 + random() * 1_200);
      }
      proxy.meet({ kind: "forward" });
      proxy.resume();
      const calm = Date.now();
      await eventually(
        "every object Ready, nothing drifted, nothing orphaned",
        async () => {
          if (!(await Promise.all(names.map(ready))).every(Boolean)) return undefined;
          return (await problems()).length === 0 ? true : undefined;
        },
        SETTLE_MS,
        250,
      );
      console.log(
        `chaos seed ${SEED}: ${JSON.stringify(faults)} over ${CHAOS_MS / 1000} s; settled in ${((Date.now() - calm) / 1000).toFixed(1)} s`,
      );
      expect(await problems()).toEqual([]);
      // The watches came through alive: drift made now is corrected at once, not at a resync.
      await FAULTS.editConfigMap!(random);
      await FAULTS.deleteDeployment!(random);
      await eventually(
        "drift after the chaos corrected",
        async () => ((await problems()).length === 0 ? true : undefined),
        10_000,
      );
    },
    CHAOS_MS + SETTLE_MS + 60_000,
  );
});
