/**
 * The mcp cluster's kube-apiserver restarts while spe is mid-reconcile (helm
 * installing a slow release). Done on a private environment (platform,
 * onboarding, mcp) so the shared clusters are never interrupted. Afterwards
 * the object converges to Ready with one deployed revision and every object.
 */
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine } from "../../src/engine/runtime/engine.js";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { KubeClient } from "../../src/kube/client.js";
import { startEnvironment, type RunningEnvironment } from "../env/environment.js";
import type { ManagedProcess } from "../env/processes.js";
import { restartApiserver } from "../env/restart-apiserver.js";
import type { ClusterRole } from "../env/types.js";
import { loadProvider } from "./support/engine.js";
import { eventually } from "./support/kube.js";
import { readFile } from "node:fs/promises";

const NS = "tenant-r";
const NAME = "mcp-a";
const GROUP = "restart.tests.spe.dev";
const COUNT = 300;
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "SlowInstall",
  metadata: { name: NAME, namespace: NS },
  spec: { count: COUNT },
};

let env: RunningEnvironment;
let engine: Engine;
let restarted: ManagedProcess | undefined;

function kc(role: ClusterRole): KubeConfig {
  const config = new KubeConfig();
  config.loadFromFile(env.clusters[role].kubeconfigPath);
  return config;
}

const client = (role: ClusterRole): KubeClient => KubeClient.for(kc(role));

async function releaseStatuses(): Promise<string[]> {
  const secrets = await client("mcp").list("v1", "Secret", {
    namespace: NS,
    labelSelector: `owner=helm,name=${NAME}`,
  });
  return secrets.map((s) => `${s.metadata.labels?.version}:${s.metadata.labels?.status}`).sort();
}

async function phase(): Promise<string | undefined> {
  const obj = await client("onboarding").get({
    apiVersion: api.apiVersion,
    kind: api.kind,
    name: NAME,
    namespace: NS,
  });
  return (obj?.status as { phase?: string } | undefined)?.phase;
}

beforeAll(async () => {
  env = await startEnvironment({ roles: ["platform", "onboarding", "mcp"] });
  engine = new Engine({
    platform: kc("platform"),
    onboarding: kc("onboarding"),
    logger: createLogger({ level: process.env.SPE_TEST_LOG ?? "silent" }),
    helm: { path: env.binaries["spe-helm-worker"] },
    workers: 4,
  });
  await engine.start();
  const failures = await engine.setProviders([
    await loadProvider("test/fixtures/descriptors/restart/descriptor.yaml"),
  ]);
  expect(failures.size).toBe(0);
  for (const role of ["platform", "onboarding"] as const)
    await client(role).apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
      { manager: "spe-tests" },
    );
  await client("platform").apply(
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${NAME}-kubeconfig`, namespace: NS },
      stringData: { kubeconfig: await readFile(env.clusters.mcp.kubeconfigPath, "utf8") },
    },
    { manager: "spe-tests" },
  );
  await eventually("ProviderConfig accepted", () =>
    client("platform").apply(
      { apiVersion: api.apiVersion, kind: "ProviderConfig", metadata: { name: "restart" }, spec: {} },
      { manager: "spe-tests" },
    ),
  );
});

afterAll(async () => {
  await engine.stop();
  await restarted?.stop();
  await env.stop();
});

describe("an mcp apiserver restart during a reconcile", () => {
  it("converges to Ready with one deployed revision once the apiserver is back", async () => {
    await client("onboarding").apply(api, { manager: "spe-tests" });
    await eventually(
      "helm installing (release pending-install)",
      async () => ((await releaseStatuses()).includes("1:pending-install") ? true : undefined),
      60_000,
      20,
    );
    restarted = await restartApiserver(env.runDir, "mcp");
    // The engine may report Ready from what its watches and the worker's answers told it
    // before the restarted apiserver listens again; the checks below need it serving.
    await eventually(
      "mcp apiserver serving again",
      async () => ((await releaseStatuses().catch(() => undefined)) ? true : undefined),
      60_000,
      200,
    );
    await eventually("Ready", async () => ((await phase()) === "Ready" ? true : undefined), 180_000, 500);
    const statuses = await releaseStatuses();
    expect(statuses.filter((s) => s.endsWith(":deployed"))).toHaveLength(1);
    expect(statuses.filter((s) => s.includes("pending"))).toEqual([]);
    const cms = await client("mcp").list("v1", "ConfigMap", {
      namespace: NS,
      labelSelector: "app.kubernetes.io/name=many-objects",
    });
    expect(cms).toHaveLength(COUNT);
  }, 240_000);
});
