/**
 * Copy units on the real clusters: an image pull Secret and a CA bundle key on the platform
 * cluster copied to the MCP, labelled as spe's, the Secret's type kept; a rotated source
 * re-copied within 5 s; a missing source waits with SourceNotFound while the other units stay;
 * a copy no longer wanted pruned, and all removed with the API object; an API object naming a
 * Secret in a namespace the descriptor does not allow gets InvalidInput, and that Secret is
 * copied nowhere.
 * The Secret's data never shows in the log, the status or the events.
 */
import { Writable } from "node:stream";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-copy-${id}`;
const HOSTILE_NS = `spe-copy-h-${id}`;
const VICTIM_NS = `spe-copy-victim-${id}`;
const SOURCE_NS = "spe-copy-source";
const NAME = "mcp-c";
const GROUP = "copy.tests.spe.dev";

/** Secret material that must never leave the Secrets it is in. */
const TOKEN = `tok-${id}-first`;
const ROTATED = `tok-${id}-rotated`;
const VICTIM = `victim-${id}-password`;
const dockerConfig = (token: string): string =>
  JSON.stringify({
    auths: { "registry.invalid": { auth: Buffer.from(`robot:${token}`).toString("base64") } },
  });
const b64 = (s: string): string => Buffer.from(s).toString("base64");

const api = (name: string, namespace: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Copied",
  metadata: { name, namespace },
  spec,
});
const config = (pullSecrets: string[]): KubeObject => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "copy" },
  spec: {
    imagePullSecrets: pullSecrets.map((name) => ({ name })),
    caBundleRef: { name: "registry-ca-bundle", key: "bundle.pem" },
  },
});
const pullSecret = (name: string, token: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: SOURCE_NS },
  type: "kubernetes.io/dockerconfigjson",
  stringData: { ".dockerconfigjson": dockerConfig(token) },
});

type Condition = { type: string; status: string; reason: string; message: string };
type Status = {
  phase?: string;
  observedGeneration?: number;
  conditions?: Condition[];
  providerConfigRef?: { generation?: number };
};
type WithStatus = KubeObject & { status?: Status };

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
const logged: string[] = [];

type Secret = KubeObject & { type?: string; data?: Record<string, string> };

const secretOnMcp = async (name: string, namespace = NS): Promise<Secret | undefined> =>
  await KubeClient.for(mcp).get({ apiVersion: "v1", kind: "Secret", name, namespace });

/** The Secrets and ConfigMaps spe put into a namespace of the MCP. */
async function copiesOnMcp(namespace = NS): Promise<string[]> {
  const client = KubeClient.for(mcp);
  const selector = { namespace, labelSelector: "app.kubernetes.io/managed-by=spe" };
  const secrets = await client.list("v1", "Secret", selector);
  const configMaps = (await client.list("v1", "ConfigMap", selector)).filter(
    (o) => !o.metadata.name.startsWith("spe-inventory-"),
  );
  return [
    ...secrets.map((o) => `Secret/${o.metadata.name}`),
    ...configMaps.map((o) => `ConfigMap/${o.metadata.name}`),
  ].sort();
}

/** The Events about one API object. */
async function eventsOn(name: string, namespace: string): Promise<KubeObject[]> {
  const events = await KubeClient.for(onboarding).list("v1", "Event", { namespace });
  return events.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === name);
}

function condition(obj: WithStatus | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

async function configGeneration(): Promise<number> {
  return ((await read(platform, config([]))) as KubeObject).metadata.generation as number;
}

/** Ready for the current generation and config. */
async function ready(what: string, name = NAME, namespace = NS): Promise<WithStatus> {
  const generation = await configGeneration();
  return eventually(
    what,
    async () => {
      const obj = await read<WithStatus>(onboarding, api(name, namespace));
      const s = obj?.status;
      if (s?.phase !== "Ready" || s.observedGeneration !== obj?.metadata.generation) return undefined;
      return s.providerConfigRef?.generation === generation ? obj : undefined;
    },
    90_000,
  );
}

/** Every text spe wrote about the API objects: their status, the events on them, the log. */
async function everythingSpeSaid(): Promise<string> {
  const objects = await Promise.all([
    read(onboarding, api(NAME, NS)),
    read(onboarding, api("mcp-h", HOSTILE_NS)),
  ]);
  const client = KubeClient.for(onboarding);
  const events = [
    ...(await client.list("v1", "Event", { namespace: NS })),
    ...(await client.list("v1", "Event", { namespace: HOSTILE_NS })),
  ];
  return JSON.stringify({ objects, events, logged });
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(chunk.toString());
      done();
    },
  });
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/copy.yaml")], {
    logger: createLogger({ level: "debug", destination: sink }),
  });
  for (const name of [SOURCE_NS, VICTIM_NS])
    await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await apply(platform, pullSecret("regcred", TOKEN));
  await apply(platform, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "registry-ca-bundle", namespace: SOURCE_NS },
    data: { "bundle.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", other: "x" },
  });
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "admin", namespace: VICTIM_NS },
    stringData: { password: VICTIM },
  });
  for (const ns of [NS, HOSTILE_NS])
    await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await grantTarget(HOSTILE_NS, "mcp-h-kubeconfig", "mcp");
  await apply(platform, config(["regcred"]));
});

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  for (const [name, namespace] of [
    [NAME, NS],
    ["mcp-h", HOSTILE_NS],
  ] as const)
    await client.delete({ apiVersion: `${GROUP}/v1alpha1`, kind: "Copied", name, namespace });
  await eventually(
    "objects gone",
    async () => ((await read(onboarding, api("mcp-h", HOSTILE_NS))) ? undefined : true),
    60_000,
  );
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "copieds", configName: "copy", namespace: NS });
  for (const cluster of [platform, onboarding, mcp])
    for (const name of [HOSTILE_NS, VICTIM_NS, SOURCE_NS])
      await KubeClient.for(cluster).delete({ apiVersion: "v1", kind: "Namespace", name });
});

describe("copy units", () => {
  it("copy a pull Secret and a CA bundle key to the MCP, labelled as spe's, type and data kept", async () => {
    await apply(onboarding, api(NAME, NS));
    await ready("Ready with the copies");
    expect(await copiesOnMcp()).toEqual(["ConfigMap/registry-ca", "Secret/regcred"]);
    const copy = await secretOnMcp("regcred");
    expect(copy?.type).toBe("kubernetes.io/dockerconfigjson");
    expect(copy?.data).toEqual({ ".dockerconfigjson": b64(dockerConfig(TOKEN)) });
    expect(copy?.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "spe",
      "spe.dev/unit": "pull-secrets",
    });
    expect(copy?.metadata.labels?.["spe.dev/owner"]).toMatch(/^[0-9a-f]{16}$/);
    expect(copy?.metadata.annotations?.["spe.dev/copied-from"]).toBe(`${SOURCE_NS}/regcred`);
    const ca = await KubeClient.for(mcp).get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "registry-ca",
      namespace: NS,
    });
    // Only the selected key, renamed.
    expect(ca?.data).toEqual({ "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" });
  });

  it("re-copy a rotated source Secret within 5 s", async () => {
    const rotated = Date.now();
    await apply(platform, pullSecret("regcred", ROTATED));
    await eventually(
      "the rotated Secret on the MCP",
      async () => {
        const copy = await secretOnMcp("regcred");
        return copy?.data?.[".dockerconfigjson"] === b64(dockerConfig(ROTATED)) ? true : undefined;
      },
      10_000,
      50,
    );
    const took = Date.now() - rotated;
    console.log(`rotated source Secret re-copied to the MCP after ${took} ms`);
    expect(took).toBeLessThan(5_000);
  });

  it("correct drift on a copy", async () => {
    const copy = await secretOnMcp("regcred");
    await KubeClient.for(mcp).apply(
      {
        ...copy!,
        data: { ".dockerconfigjson": b64(dockerConfig("tampered")) },
        metadata: { name: "regcred", namespace: NS },
      },
      { manager: "kubectl", force: true },
    );
    await eventually("the copy corrected", async () => {
      const now = await secretOnMcp("regcred");
      return now?.data?.[".dockerconfigjson"] === b64(dockerConfig(ROTATED)) ? true : undefined;
    });
  });

  it("wait for a missing source with SourceNotFound naming it, the other copies untouched", async () => {
    const before = await KubeClient.for(mcp).get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "registry-ca",
      namespace: NS,
    });
    await apply(platform, config(["regcred", "mirror"]));
    const waiting = await eventually("Deployed=False, SourceNotFound", async () => {
      const obj = await read<WithStatus>(onboarding, api(NAME, NS));
      const c = condition(obj, "Deployed");
      return c?.reason === "SourceNotFound" ? c : undefined;
    });
    expect(waiting.status).toBe("False");
    expect(waiting.message).toBe(
      `unit pull-secrets: Secret ${SOURCE_NS}/mirror not found on the platform cluster`,
    );
    const after = await KubeClient.for(mcp).get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "registry-ca",
      namespace: NS,
    });
    expect(after?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
    expect(await copiesOnMcp()).toEqual(["ConfigMap/registry-ca", "Secret/regcred"]);
    const events = await eventsOn(NAME, NS);
    expect(events.map((e) => e.reason)).toContain("SourceNotFound");

    // The source appears: copied without anyone touching the API object.
    await apply(platform, pullSecret("mirror", TOKEN));
    await ready("Ready once the source exists");
    expect(await copiesOnMcp()).toEqual(["ConfigMap/registry-ca", "Secret/mirror", "Secret/regcred"]);
  });

  it("prune a copy no longer wanted", async () => {
    await apply(platform, config(["mirror"]));
    await ready("Ready with one pull Secret");
    await eventually("regcred's copy pruned", async () => {
      const copies = await copiesOnMcp();
      return copies.includes("Secret/regcred") ? undefined : copies;
    });
    expect(await copiesOnMcp()).toEqual(["ConfigMap/registry-ca", "Secret/mirror"]);
  });

  it("refuse a Secret in a namespace the descriptor does not allow: a condition, that Secret copied nowhere", async () => {
    await apply(
      onboarding,
      api("mcp-h", HOSTILE_NS, { pullSecret: { name: "admin", namespace: VICTIM_NS } }),
    );
    const refused = await eventually("Deployed=False, InvalidInput", async () => {
      const obj = await read<WithStatus>(onboarding, api("mcp-h", HOSTILE_NS));
      const c = condition(obj, "Deployed");
      return c?.reason === "InvalidInput" ? c : undefined;
    });
    expect(refused.status).toBe("False");
    expect(refused.message).toContain(
      `Secret ${VICTIM_NS}/admin: source namespace "${VICTIM_NS}" is not allowed by the descriptor (allowed: ${SOURCE_NS})`,
    );
    const events = await eventsOn("mcp-h", HOSTILE_NS);
    expect(events.some((e) => e.type === "Warning" && e.reason === "InvalidInput")).toBe(true);
    expect(await secretOnMcp("admin", HOSTILE_NS)).toBeUndefined();
    // What the config copies for every API object it got; the victim's Secret went nowhere.
    expect(await copiesOnMcp(HOSTILE_NS)).toEqual(["ConfigMap/registry-ca", "Secret/mirror"]);
    const everySecret = await KubeClient.for(mcp).list("v1", "Secret");
    expect(JSON.stringify(everySecret)).not.toContain(b64(VICTIM));
    // The other API object is unharmed.
    const other = await ready("the first object still Ready");
    expect(condition(other, "Deployed")?.status).toBe("True");
    expect(await copiesOnMcp()).toEqual(["ConfigMap/registry-ca", "Secret/mirror"]);
  });

  it("never put Secret data into the log, the status or the events", async () => {
    const said = await everythingSpeSaid();
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [TOKEN, ROTATED, VICTIM, dockerConfig(TOKEN), dockerConfig(ROTATED)])
      for (const form of [secret, b64(secret), b64(`robot:${secret}`)]) expect(said).not.toContain(form);
  });

  it("remove the copies with the API object", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "Copied",
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "object gone",
      async () => ((await read(onboarding, api(NAME, NS))) ? undefined : true),
      60_000,
    );
    expect(await copiesOnMcp()).toEqual([]);
    // The sources stay.
    expect(
      await KubeClient.for(platform).get({
        apiVersion: "v1",
        kind: "Secret",
        name: "mirror",
        namespace: SOURCE_NS,
      }),
    ).toBeDefined();
  });
});
