/**
 * The real `spe run` process (npx tsx src/cli/main.ts run) killed with SIGKILL
 * while helm is mid-install (the release is pending-install, a few hundred
 * ConfigMaps half applied), then started again: it converges to Ready with
 * exactly one release revision, deployed, and no object outside the release.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { execa, type ResultPromise } from "execa";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, repoRoot } from "./support/engine.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-restart-${id}`;
const NAME = "mcp-r";
const GROUP = "restart.tests.spe.dev";
const COUNT = 300;
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "SlowInstall",
  metadata: { name: NAME, namespace: NS },
  spec: { count: COUNT },
};
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };

type Spe = ResultPromise<{ detached: true; reject: false; stdio: "ignore" }>;

let spe: Spe | undefined;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

/** Starts `spe run` in its own process group (tsx, node and helm die together, as in a container). */
function startSpe(): Spe {
  const env = testEnv();
  const child = execa(
    join(repoRoot, "node_modules/.bin/tsx"),
    [
      "src/cli/main.ts",
      "run",
      "--platform-kubeconfig",
      env.clusters.platform.kubeconfigPath,
      "--onboarding-kubeconfig",
      env.clusters.onboarding.kubeconfigPath,
      "--descriptors",
      join(repoRoot, "test/fixtures/descriptors/restart"),
      "--ops-port",
      "0",
      "--helm-worker",
      env.binaries["spe-helm-worker"],
      "--log-level",
      "warn",
    ],
    { cwd: repoRoot, detached: true, reject: false, stdio: "ignore", env: { SPE_HELM_WORKER: "" } },
  );
  return child;
}

async function killSpe(signal: NodeJS.Signals): Promise<void> {
  const child = spe;
  spe = undefined;
  if (child?.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
  await child;
}

async function releaseStatuses(): Promise<string[]> {
  const secrets = await KubeClient.for(mcp).list("v1", "Secret", {
    namespace: NS,
    labelSelector: `owner=helm,name=${NAME}`,
  });
  return secrets.map((s) => `${s.metadata.labels?.version}:${s.metadata.labels?.status}`).sort();
}

async function phase(): Promise<string | undefined> {
  return ((await read(onboarding, api)) as { status?: { phase?: string } } | undefined)?.status?.phase;
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
});

afterAll(async () => {
  await killSpe("SIGKILL");
  const client = KubeClient.for(onboarding);
  const ref = { apiVersion: api.apiVersion, kind: api.kind, name: NAME, namespace: NS };
  if (await client.get(ref)) {
    await client.send({
      method: "PATCH",
      path: await client.path(ref),
      body: { metadata: { finalizers: null } },
      contentType: "application/merge-patch+json",
    });
    await client.delete(ref);
  }
  await KubeClient.for(platform).delete({
    apiVersion: api.apiVersion,
    kind: "ProviderConfig",
    name: "restart",
  });
  await client.delete({ ...crd, name: `slowinstalls.${GROUP}` });
  await KubeClient.for(platform).delete({ ...crd, name: `providerconfigs.${GROUP}` });
  for (const kc of [onboarding, platform, mcp])
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("spe run killed with SIGKILL while helm installs", () => {
  it("leaves a pending release behind when killed mid-install", async () => {
    await killSpe("SIGKILL"); // a process left by a failed earlier test
    spe = startSpe();
    await eventually("API CRD established", async () => {
      const c = await read(onboarding, { ...crd, metadata: { name: `slowinstalls.${GROUP}` } });
      return hasCondition(c, "Established") ? true : undefined;
    });
    await eventually("ProviderConfig accepted", () =>
      apply(platform, {
        apiVersion: api.apiVersion,
        kind: "ProviderConfig",
        metadata: { name: "restart" },
        spec: {},
      }),
    );
    await apply(onboarding, api);
    await eventually(
      "release pending-install",
      async () => ((await releaseStatuses()).includes("1:pending-install") ? true : undefined),
      60_000,
      20,
    );
    await killSpe("SIGKILL");
    expect(await releaseStatuses()).toEqual(["1:pending-install"]);
    expect(await phase()).not.toBe("Ready");
  });

  it("converges after a restart: Ready, one deployed revision, no orphan objects", async () => {
    await killSpe("SIGKILL"); // a process left by a failed earlier test
    spe = startSpe();
    await eventually("Ready", async () => ((await phase()) === "Ready" ? true : undefined), 120_000);
    const statuses = await releaseStatuses();
    expect(statuses.filter((s) => s.endsWith(":deployed"))).toHaveLength(1);
    expect(statuses.filter((s) => s.includes("pending"))).toEqual([]);
    const cms = await KubeClient.for(mcp).list("v1", "ConfigMap", {
      namespace: NS,
      labelSelector: "app.kubernetes.io/name=many-objects",
    });
    expect(cms).toHaveLength(COUNT);
    const expected = Array.from({ length: COUNT }, (_, i) => `${NAME}-${i}`).sort();
    expect(cms.map((c) => c.metadata.name).sort()).toEqual(expected);
    const owners = new Set(cms.map((c) => c.metadata.annotations?.["meta.helm.sh/release-name"]));
    expect([...owners]).toEqual([NAME]);
  });
});
