/**
 * A ProviderConfig change re-queues the objects it serves: editing the image
 * of an offered version upgrades the deployed release (a new helm revision,
 * the Deployment runs the new image) without anyone touching the API object.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-cfg-${id}`;
const NAME = "mcp-c";
const GROUP = "faults.tests.spe.dev";
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "FaultDemo",
  metadata: { name: NAME, namespace: NS },
  spec: { version: "1.0" },
};
const config = (image: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "faults" },
  spec: { versions: [{ version: "1.0", image }] },
});
const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: NAME, namespace: NS } };

type Meta = { generation?: number };

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function image(): Promise<string | undefined> {
  const d = (await read(mcp, deployment)) as
    { spec: { template: { spec: { containers: { image?: string }[] } } } } | undefined;
  return d?.spec.template.spec.containers[0]?.image;
}

async function revisions(): Promise<string[]> {
  const secrets = await KubeClient.for(mcp).list("v1", "Secret", {
    namespace: NS,
    labelSelector: `owner=helm,name=${NAME}`,
  });
  return secrets.map((s) => `${s.metadata.labels?.version}:${s.metadata.labels?.status}`).sort();
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/faults.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, config("registry.invalid/demo-service:1.0.0"));
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete({
    apiVersion: api.apiVersion,
    kind: api.kind,
    name: NAME,
    namespace: NS,
  });
  await eventually("object gone", async () => ((await read(onboarding, api)) ? undefined : true), 60_000);
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "faultdemos", configName: "faults", namespace: NS });
});

describe("a ProviderConfig change", () => {
  it("upgrades the release with the new image without touching the API object", async () => {
    await apply(onboarding, api);
    await eventually(
      "Ready with the 1.0.0 image",
      async () => {
        const s = ((await read(onboarding, api)) as { status?: { phase?: string } } | undefined)?.status;
        return s?.phase === "Ready" && (await image()) === "registry.invalid/demo-service:1.0.0"
          ? true
          : undefined;
      },
      90_000,
    );
    const before = (await read(onboarding, api))!.metadata as Meta;
    expect(await revisions()).toEqual(["1:deployed"]);

    await apply(platform, config("registry.invalid/demo-service:1.0.1"));
    await eventually(
      "Deployment on the 1.0.1 image",
      async () => ((await image()) === "registry.invalid/demo-service:1.0.1" ? true : undefined),
      30_000,
      100,
    );
    // helm records the revision as deployed just after applying the objects.
    await eventually("revision 2 deployed", async () =>
      (await revisions()).includes("2:deployed") ? true : undefined,
    );
    expect(await revisions()).toEqual(["1:superseded", "2:deployed"]);
    const after = (await read(onboarding, api)) as {
      metadata: Meta;
      spec: unknown;
      status?: { phase?: string };
    };
    expect(after.metadata.generation).toBe(before.generation);
    expect(after.spec).toEqual({ version: "1.0", replicas: 1 });
    await eventually("Ready again", async () =>
      ((await read(onboarding, api)) as { status?: { phase?: string } } | undefined)?.status?.phase ===
      "Ready"
        ? true
        : undefined,
    );
  });
});
