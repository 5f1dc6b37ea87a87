/**
 * Conditional units: a helm release the config switches on (argocd's reloader shape) and a
 * ConfigMap the API object switches on, which depends on the release. A unit whose `when`
 * turns false is removed from the target and from status.units, the others stay untouched,
 * and a unit depending on a switched-off one does not wait for it.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-when-${id}`;
const NAME = "mcp-w";
const GROUP = "when.tests.spe.dev";
const api = (extra: boolean) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Optional",
  metadata: { name: NAME, namespace: NS },
  spec: { extra },
});
const config = (reloader?: { image: string }) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "when" },
  spec: reloader ? { team: "platform", reloader } : { team: "platform" },
});

type Status = {
  phase?: string;
  observedGeneration?: number;
  units?: { name: string }[];
  reloader?: string;
  providerConfigRef?: { generation?: number };
};

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

/** The on-mcp state: which ConfigMaps and which helm release of ours exist. */
async function onMcp(): Promise<{ configMaps: string[]; releases: string[]; deployments: string[] }> {
  const client = KubeClient.for(mcp);
  const configMaps = (
    await client.list("v1", "ConfigMap", { namespace: NS, labelSelector: "app.kubernetes.io/managed-by=spe" })
  )
    .map((o) => o.metadata.name)
    .sort();
  const releases = (await client.list("v1", "Secret", { namespace: NS, labelSelector: "owner=helm" }))
    .map((o) => o.metadata.labels?.name ?? "")
    .sort();
  const deployments = (await client.list("apps/v1", "Deployment", { namespace: NS })).map(
    (o) => o.metadata.name,
  );
  return { configMaps, releases: [...new Set(releases)], deployments };
}

/** Ready for the current generation and config, with these units recorded. */
async function readyWith(what: string, units: string[], configGeneration: number): Promise<Status> {
  return eventually(
    what,
    async () => {
      const obj = (await read(onboarding, api(false))) as
        { metadata: { generation?: number }; status?: Status } | undefined;
      const s = obj?.status;
      if (s?.phase !== "Ready" || s.observedGeneration !== obj?.metadata.generation) return undefined;
      if (s.providerConfigRef?.generation !== configGeneration) return undefined;
      return JSON.stringify((s.units ?? []).map((u) => u.name).sort()) === JSON.stringify(units)
        ? s
        : undefined;
    },
    90_000,
  );
}

async function configGeneration(): Promise<number> {
  return ((await read(platform, config())) as unknown as { metadata: { generation: number } }).metadata
    .generation;
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/when.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, config());
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "Optional",
    name: NAME,
    namespace: NS,
  });
  await eventually(
    "object gone",
    async () => ((await read(onboarding, api(false))) ? undefined : true),
    60_000,
  );
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "optionals", configName: "when", namespace: NS });
});

describe("units with when", () => {
  it("are deployed while wanted and removed, from the target and the status, once not", async () => {
    await apply(onboarding, api(false));
    const off = await readyWith("Ready with the base unit only", ["base"], await configGeneration());
    expect(off.reloader).toBeUndefined();
    expect(await onMcp()).toEqual({ configMaps: ["base"], releases: [], deployments: [] });

    // The operator offers a reloader, the user asks for the extra unit (which waits for it).
    await apply(platform, config({ image: "registry.invalid/reloader:1.0" }));
    await apply(onboarding, api(true));
    const on = await readyWith(
      "Ready with all three units",
      ["base", "extra", "reloader"],
      await configGeneration(),
    );
    expect(on.reloader).toBe("1.0.0");
    expect(await onMcp()).toEqual({
      configMaps: ["base", "extra"],
      releases: [`${NAME}-reloader`],
      deployments: [`${NAME}-reloader`],
    });
    const cm = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "base", namespace: NS },
    };
    const base = (await read(mcp, cm)) as { metadata: { resourceVersion?: string } };

    // The reloader goes; extra, which depended on it, stays without waiting.
    await apply(platform, config());
    const noReloader = await readyWith(
      "Ready without the reloader",
      ["base", "extra"],
      await configGeneration(),
    );
    expect(noReloader.reloader).toBeUndefined();
    await eventually("reloader's objects gone", async () => {
      const state = await onMcp();
      return state.releases.length === 0 && state.deployments.length === 0 ? state : undefined;
    });
    expect((await onMcp()).configMaps).toEqual(["base", "extra"]);

    await apply(onboarding, api(false));
    await readyWith("Ready with the base unit only again", ["base"], await configGeneration());
    await eventually("extra gone", async () => {
      const state = await onMcp();
      return JSON.stringify(state.configMaps) === JSON.stringify(["base"]) ? state : undefined;
    });
    const baseAfter = (await read(mcp, cm)) as { metadata: { resourceVersion?: string } };
    expect(baseAfter.metadata.resourceVersion).toBe(base.metadata.resourceVersion);
  });
});
