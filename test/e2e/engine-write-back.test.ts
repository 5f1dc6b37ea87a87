/**
 * Writing back to the API object: spe sets the descriptor's instance-id label (from hash(…))
 * and annotation on the object as its own field manager; a value the user set at creation is
 * overwritten and never reaches the render; a user's later edit is put back at once (the
 * poll is 10 minutes, so only the object's watch can do it).
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { nameHash } from "../../src/descriptor/functions.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-wb-${id}`;
const NAME = "mcp-wb";
const GROUP = "writeback.tests.spe.dev";
const LABEL = `${GROUP}/instance-id`;
const ANNOTATION = `${GROUP}/offered-by`;
const EXPECTED = nameHash([NS, NAME]);

const api = (label: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Instance",
  metadata: { name: NAME, namespace: NS, labels: { [LABEL]: label }, annotations: { [ANNOTATION]: "me" } },
  spec: {},
});

type Meta = {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: { manager?: string }[];
};

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function meta(): Promise<Meta | undefined> {
  const obj = (await read(onboarding, api(""))) as { metadata: Meta } | undefined;
  return obj?.metadata;
}

async function deployed(): Promise<Record<string, string> | undefined> {
  const cm = (await read(mcp, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${NAME}-instance`, namespace: NS },
  })) as { data?: Record<string, string> } | undefined;
  return cm?.data;
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/write-back.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "writeback" },
    spec: { team: "blue" },
  });
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "Instance",
    name: NAME,
    namespace: NS,
  });
  await eventually("object gone", async () => ((await read(onboarding, api(""))) ? undefined : true), 60_000);
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "instances", configName: "writeback", namespace: NS });
});

describe("write-back", () => {
  it("sets spe's label and annotation, renders with them, and puts them back after a user's edit", async () => {
    // The user claims the instance id at creation: spe's value wins, on the object and in the render.
    await apply(onboarding, api("chosen-by-user"));
    const data = await eventually(
      "ConfigMap with spe's instance id",
      async () => {
        const d = await deployed();
        return d?.id === EXPECTED ? d : undefined;
      },
      60_000,
    );
    expect(data).toEqual({ id: EXPECTED, offeredBy: "blue" });
    const written = await meta();
    expect(written?.labels?.[LABEL]).toBe(EXPECTED);
    expect(written?.annotations?.[ANNOTATION]).toBe("blue");
    expect(written?.managedFields?.map((f) => f.manager)).toContain("spe-metadata");

    // A later edit of spe's label is put back within seconds.
    await apply(onboarding, api("edited-by-user"));
    await eventually(
      "label put back",
      async () => ((await meta())?.labels?.[LABEL] === EXPECTED ? true : undefined),
      30_000,
    );
    expect((await deployed())?.id).toBe(EXPECTED);
  });
});
