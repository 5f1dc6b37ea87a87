/**
 * A config value that breaks the chart (a memory limit that is not a quantity) makes every
 * upgrade fail, and spe rolls each one back. The rollback writes release Secrets and objects
 * spe watches; those events must not re-queue the object past its backoff (they did: about
 * three upgrades and rollbacks a second). Retries come by the backoff alone, the release
 * history stays at helm's maximum, and fixing the value (an input) converges at once.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-backoff-${id}`;
const GROUP = "sized.tests.spe.dev";
/** spe's `--history-max` (src/plugins/helm/commands.ts). */
const HISTORY_MAX = 10;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Worker {
  metadata: { name: string; generation?: number };
  status?: { phase?: string; observedGeneration?: number; conditions?: Condition[] };
}

const worker = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "SizedWorker",
  metadata: { name: "w1", namespace: NS },
  spec: { logLevel: "info" },
};
const config = (memory: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "sized" },
  spec: { memory },
});

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function get(): Promise<Worker | undefined> {
  return await KubeClient.for(onboarding).get({
    apiVersion: worker.apiVersion,
    kind: worker.kind,
    name: "w1",
    namespace: NS,
  });
}

function condition(obj: Worker | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** The release's storage Secrets on mcp: how many there are and the latest revision. */
async function history(): Promise<{ secrets: number; revision: number }> {
  const secrets = await KubeClient.for(mcp).list("v1", "Secret", {
    namespace: NS,
    labelSelector: "owner=helm,name=w1",
  });
  const revisions = secrets.map((s) => Number(s.metadata.labels?.version ?? 0));
  return { secrets: secrets.length, revision: Math.max(0, ...revisions) };
}

async function memoryLimit(): Promise<string | undefined> {
  const d = await read(mcp, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "w1-worker", namespace: NS },
    spec: { template: { spec: { containers: [] as { resources?: { limits?: { memory?: string } } }[] } } },
  });
  return d?.spec.template.spec.containers[0]?.resources?.limits?.memory;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/sized.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, "w1-kubeconfig", "mcp");
  await apply(platform, config("64Mi"));
  await apply(onboarding, worker);
  await eventually(
    "w1 Ready",
    async () => ((await get())?.status?.phase === "Ready" ? true : undefined),
    90_000,
  );
});

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  await client.delete({ apiVersion: worker.apiVersion, kind: worker.kind, name: "w1", namespace: NS });
  await eventually("w1 gone", async () => ((await get()) ? undefined : true), 60_000).catch(() => undefined);
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "sizedworkers", configName: "sized", namespace: NS });
});

describe("a failing upgrade", () => {
  it("is retried by backoff, not by the watch events of its own rollback; fixing the config converges at once", async () => {
    expect(await memoryLimit()).toBe("64Mi");
    await apply(platform, config("lots"));
    const failed = await eventually(
      "Deployed=False",
      async () => {
        const c = condition(await get(), "Deployed");
        return c?.status === "False" ? c : undefined;
      },
      60_000,
    );
    expect(failed.reason).toBe("UpgradeFailed");
    expect(failed.message).toMatch(/unit worker: .*(lots|quantit)/i);

    // The rate of new revisions is what is measured here, so the test lets time pass. The
    // backoff doubles from 5 ms: ten retries fit in the first seconds, and from then on each
    // waits 5 s and more. In a loop, every upgrade and rollback is followed by the next.
    const failedAt = Date.now();
    await sleep(8_000);
    const early = await history();
    await sleep(15_000);
    const late = await history();
    const seconds = (Date.now() - failedAt) / 1000;
    // Each attempt is an upgrade (failed) and a rollback: two revisions.
    expect(
      late.revision - early.revision,
      `revisions from 8 s to ${seconds.toFixed(0)} s`,
    ).toBeLessThanOrEqual(6);
    expect(late.revision, `revisions in ${seconds.toFixed(0)} s of failing`).toBeLessThanOrEqual(2 + 2 * 16);
    expect(late.secrets).toBeLessThanOrEqual(HISTORY_MAX);
    expect(await memoryLimit()).toBe("64Mi");
    // Between two attempts (one may be running now), the object waits out its backoff.
    await eventually("w1 backs off", () => engine.queue.isBackingOff(`sized/${NS}/w1`) || undefined);

    // A fixed config is an input: it runs now, not when the backoff (by now 20 s or more) ends.
    await apply(platform, config("96Mi"));
    await eventually(
      "Deployed=True within 15 s of the fix",
      async () => (condition(await get(), "Deployed")?.status === "True" ? true : undefined),
      15_000,
    );
    expect(await memoryLimit()).toBe("96Mi");
    await eventually(
      "w1 Ready again",
      async () => ((await get())?.status?.phase === "Ready" ? true : undefined),
      60_000,
    );
    expect(engine.queue.isBackingOff(`sized/${NS}/w1`)).toBe(false);
    expect((await history()).secrets).toBeLessThanOrEqual(HISTORY_MAX);
  });
});
