/**
 * Polls of a converged object (ADR 0006): with a 1 s poll interval, the polls of an object
 * that nothing woke skip the render and send no request; a full reconcile still comes once
 * per sync period; a watch event (an out-of-band edit, a spec change) is acted on at once.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createMetrics, type SpeMetrics } from "../../src/engine/runtime/metrics.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-settled-${id}`;
const NAME = "mcp-s";
const GROUP = "settled.tests.spe.dev";
const SYNC_PERIOD_MS = 4_000;
const api = (text: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Greeting",
  metadata: { name: NAME, namespace: NS },
  spec: { text },
});
const configMap = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `${NAME}-greeting`, namespace: NS },
};

let engine: Engine;
let metrics: SpeMetrics;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function metric(name: string): Promise<number> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (found?.values ?? [])
    .filter((v) => v.labels.provider === "settled" || v.labels.controller === "settled")
    .reduce((sum, v) => sum + v.value, 0);
}

async function greeting(): Promise<string | undefined> {
  const cm = (await read(mcp, configMap)) as { data?: { text?: string } } | undefined;
  return cm?.data?.text;
}

/** The deployed greeting reads `text` well before a sync period could have brought it. */
async function deployedWithinSyncPeriod(text: string): Promise<void> {
  const started = Date.now();
  await eventually(
    `greeting "${text}" deployed`,
    async () => ((await greeting()) === text ? true : undefined),
    10_000,
    50,
  );
  expect(Date.now() - started).toBeLessThan(SYNC_PERIOD_MS);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  metrics = createMetrics({ processMetrics: false });
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/settled.yaml")], {
    metrics,
    syncPeriodMs: SYNC_PERIOD_MS,
  });
  for (const kc of [onboarding, mcp])
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "settled" },
    spec: {},
  });
  await apply(onboarding, api("hello"));
  await eventually("Ready", async () => {
    const obj = (await read(onboarding, api(""))) as { status?: { phase?: string } } | undefined;
    return obj?.status?.phase === "Ready" ? true : undefined;
  });
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "Greeting",
    name: NAME,
    namespace: NS,
  });
  await eventually(
    "API object gone",
    async () => ((await read(onboarding, api(""))) ? undefined : true),
    30_000,
  );
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "greetings", configName: "settled", namespace: NS });
});

describe("polls of a converged object", () => {
  it("skip the render and send no request while nothing woke the object, and one runs in full each sync period", async () => {
    await eventually("settled", async () =>
      (await metric("spe_resyncs_skipped_total")) > 0 ? true : undefined,
    );
    const skippedBefore = await metric("spe_resyncs_skipped_total");
    const reconcilesBefore = await metric("controller_runtime_reconcile_total");
    const requestsBefore = (await metrics.registry.getMetricsAsJSON())
      .find((m) => m.name === "rest_client_requests_total")
      ?.values.reduce((sum, v) => sum + v.value, 0);
    // Past one sync period (4 s, ±10 %) plus a poll.
    await sleep(SYNC_PERIOD_MS * 1.1 + 1_500);
    const skipped = (await metric("spe_resyncs_skipped_total")) - skippedBefore;
    const reconciles = (await metric("controller_runtime_reconcile_total")) - reconcilesBefore;
    // About one poll a second, nearly all skipped...
    expect(skipped).toBeGreaterThanOrEqual(3);
    // ...and at least one full reconcile in the window: the sync period.
    expect(reconciles - skipped).toBeGreaterThanOrEqual(1);
    // The full reconcile found the world unchanged in the watches: no request either way.
    const requestsAfter = (await metrics.registry.getMetricsAsJSON())
      .find((m) => m.name === "rest_client_requests_total")
      ?.values.reduce((sum, v) => sum + v.value, 0);
    expect(requestsAfter).toBe(requestsBefore);
  });

  it("acts at once on an out-of-band edit of what it deployed", async () => {
    await KubeClient.for(mcp).send({
      method: "PATCH",
      path: `/api/v1/namespaces/${NS}/configmaps/${NAME}-greeting?fieldManager=kubectl-edit`,
      body: { data: { text: "edited" } },
      contentType: "application/merge-patch+json",
    });
    await deployedWithinSyncPeriod("hello");
  });

  it("acts at once on a spec change", async () => {
    await apply(onboarding, api("bonjour"));
    await deployedWithinSyncPeriod("bonjour");
  });
});
