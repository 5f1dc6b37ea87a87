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
const config = (image: string, tier = "standard") => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "faults" },
  spec: { tier, versions: [{ version: "1.0", image }] },
});

type ConfigStatus = {
  observedGeneration?: number;
  phase?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
};

async function configStatus(): Promise<ConfigStatus | undefined> {
  return ((await read(platform, config(""))) as { status?: ConfigStatus } | undefined)?.status;
}

async function configEvents(reason: string): Promise<string[]> {
  const events = await KubeClient.for(platform).list("v1", "Event", { namespace: "default" });
  return events
    .map(
      (e) =>
        e as unknown as { involvedObject: { name?: string; kind?: string }; reason: string; message: string },
    )
    .filter(
      (e) =>
        e.involvedObject.kind === "ProviderConfig" &&
        e.involvedObject.name === "faults" &&
        e.reason === reason,
    )
    .map((e) => e.message);
}
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

describe("a ProviderConfig's status", () => {
  it("is Ready while valid, InvalidConfig with the validator's message (and a Warning) when not", async () => {
    const ready = await eventually("config status Ready", async () => {
      const s = await configStatus();
      return s?.phase === "Ready" ? s : undefined;
    });
    expect(ready.conditions?.[0]).toMatchObject({ type: "Ready", status: "True", reason: "ConfigValid" });
    await apply(platform, config("registry.invalid/demo-service:1.0.0", "huge"));
    const invalid = await eventually("config status Invalid", async () => {
      const s = await configStatus();
      return s?.phase === "Invalid" ? s : undefined;
    });
    const generation = ((await read(platform, config(""))) as { metadata: Meta }).metadata.generation;
    expect(invalid.observedGeneration).toBe(generation);
    expect(invalid.conditions?.[0]).toMatchObject({
      type: "Ready",
      status: "False",
      reason: "InvalidConfig",
    });
    expect(invalid.conditions?.[0]?.message).toMatch(/^ProviderConfig "faults" is invalid: spec\.tier: /);
    await eventually("InvalidConfig event", async () =>
      (await configEvents("InvalidConfig")).length > 0 ? true : undefined,
    );
    await apply(platform, config("registry.invalid/demo-service:1.0.0"));
    await eventually("config status Ready again", async () =>
      (await configStatus())?.phase === "Ready" ? true : undefined,
    );
  });
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
