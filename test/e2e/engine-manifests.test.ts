/**
 * A manifests-only provider (no chart): a ConfigMap and a Deployment per item
 * of the API object's `spec.apps` (forEach). The object becomes Ready with the
 * Deployments Available; an item removed from the list has its objects pruned
 * while the others stay; deleting the object removes everything spe applied,
 * its inventory included.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { ownerHash } from "../../src/plugins/objects/owner.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-mf-${id}`;
const NAME = "mcp-m";
const GROUP = "mf.tests.spe.dev";
const api = (apps: { name: string; greeting: string }[]) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "AppSet",
  metadata: { name: NAME, namespace: NS },
  spec: { apps },
});
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "mf-apps" },
  spec: { image: "registry.invalid/app:1" },
};
const MANAGED = "app.kubernetes.io/managed-by=spe";

type Status = {
  phase?: string;
  resources?: { kind: string; name: string }[];
  conditions?: { type: string; status: string }[];
};

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

/** The status, once it reports on the object's current generation. */
async function status(): Promise<Status | undefined> {
  const obj = (await read(onboarding, api([]))) as
    { metadata: { generation?: number }; status?: Status & { observedGeneration?: number } } | undefined;
  return obj?.status?.observedGeneration === obj?.metadata.generation ? obj?.status : undefined;
}

/** Names of the objects of a kind that spe manages in the tenant namespace on mcp. */
async function managed(kind: "ConfigMap" | "Deployment"): Promise<string[]> {
  const apiVersion = kind === "Deployment" ? "apps/v1" : "v1";
  const items = await KubeClient.for(mcp).list(apiVersion, kind, { namespace: NS, labelSelector: MANAGED });
  return items.map((o) => o.metadata.name).sort();
}

async function readyWith(what: string, deployments: string[]): Promise<Status> {
  return eventually(
    what,
    async () => {
      const s = await status();
      if (s?.phase !== "Ready") return undefined;
      return JSON.stringify(await managed("Deployment")) === JSON.stringify(deployments) ? s : undefined;
    },
    60_000,
  );
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/manifests-only.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, config);
});

afterAll(async () => {
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "appsets", configName: "mf-apps", namespace: NS });
});

describe("a manifests-only provider with forEach", () => {
  it("applies a ConfigMap and a Deployment per item and reports Ready", async () => {
    await apply(
      onboarding,
      api([
        { name: "alpha", greeting: "hi from alpha" },
        { name: "beta", greeting: "hi from beta" },
      ]),
    );
    const s = await readyWith("Ready with alpha and beta", ["alpha", "beta"]);
    expect(await managed("ConfigMap")).toEqual(["alpha-config", "beta-config"]);
    for (const name of ["alpha", "beta"]) {
      const d = await read(mcp, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace: NS },
      });
      expect(hasCondition(d, "Available")).toBe(true);
    }
    const cm = (await read(mcp, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "beta-config", namespace: NS },
    })) as { data?: Record<string, string> } | undefined;
    expect(cm?.data).toEqual({ greeting: "hi from beta" });
    expect(s.resources?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "ConfigMap/alpha-config",
      "ConfigMap/beta-config",
      "Deployment/alpha",
      "Deployment/beta",
    ]);
  });

  it("prunes the objects of an item removed from the list and keeps the rest", async () => {
    await apply(onboarding, api([{ name: "beta", greeting: "hi from beta" }]));
    const s = await readyWith("Ready with beta only", ["beta"]);
    expect(await managed("ConfigMap")).toEqual(["beta-config"]);
    expect(
      await read(mcp, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "alpha", namespace: NS },
      }),
    ).toBeUndefined();
    expect(s.resources?.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      "ConfigMap/beta-config",
      "Deployment/beta",
    ]);
  });

  it("removes every object and the inventory when the API object is deleted", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "AppSet",
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "API object gone",
      async () => ((await read(onboarding, api([]))) ? undefined : true),
      60_000,
    );
    expect(await managed("Deployment")).toEqual([]);
    expect(await managed("ConfigMap")).toEqual([]);
    const hash = ownerHash({
      provider: "mf-apps",
      group: GROUP,
      kind: "AppSet",
      namespace: NS,
      name: NAME,
      uid: "",
    });
    const inventories = await KubeClient.for(mcp).list("v1", "ConfigMap", {
      namespace: "spe-system",
      labelSelector: `spe.dev/owner=${hash}`,
    });
    expect(inventories).toEqual([]);
  });
});
