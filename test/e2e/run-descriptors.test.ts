/**
 * `spe run`'s runtime in-process against real clusters, fed by descriptor
 * ConfigMaps: a broken descriptor next to a good one is reported on its
 * ConfigMap (annotations + a Warning Event naming line:col) while the good one
 * is served; fixing, breaking, clashing and deleting are picked up live.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCrd, configCrd, loadFromConfigMap, safeCompileDescriptor } from "../../src/descriptor/index.js";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { startRuntime, type Runtime } from "../../src/engine/runtime/runtime.js";
import { KubeClient } from "../../src/kube/client.js";
import { smallDescriptor } from "../fixtures/small-descriptor.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-run-${id}`;
const GOOD = `rgood${id}`;
const OTHER = `rother${id}`;
const KEY = "descriptor.yaml";

let platform: KubeConfig;
let onboarding: KubeConfig;
let runtime: Runtime;
const crds: { cluster: "platform" | "onboarding"; name: string }[] = [];

interface ConfigMap {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
}

function descriptorMap(name: string, text: string): ConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: NS, labels: { "spe.dev/descriptor": "true" } },
    data: { [KEY]: text },
  };
}

/** The CRD names a valid descriptor text produces (api on onboarding, config on platform). */
function crdNamesOf(text: string): { api: string; config: string } {
  const [descriptor] = loadFromConfigMap({
    metadata: { name: "x", namespace: NS },
    data: { [KEY]: text },
  }).descriptors;
  const compiled = safeCompileDescriptor(descriptor!);
  if (!compiled.ok) throw new Error("test descriptor does not compile");
  const names = {
    api: apiCrd(compiled.value).metadata.name,
    config: configCrd(compiled.value).metadata.name,
  };
  crds.push({ cluster: "onboarding", name: names.api }, { cluster: "platform", name: names.config });
  return names;
}

async function crdExists(kc: KubeConfig, name: string): Promise<boolean> {
  const ref = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name } };
  return (await read(kc, ref)) !== undefined;
}

async function annotations(name: string): Promise<Record<string, string>> {
  const cm = await read<ConfigMap>(platform, descriptorMap(name, ""));
  return cm?.metadata.annotations ?? {};
}

async function statusOf(name: string, state: string): Promise<Record<string, string>> {
  return eventually(`${name} annotated ${state}`, async () => {
    const a = await annotations(name);
    return a["spe.dev/status"] === state ? a : undefined;
  });
}

async function warnings(name: string): Promise<string[]> {
  const list = (await KubeClient.for(platform).send({
    method: "GET",
    path: `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.name=${name}`,
  })) as { items: { type: string; reason: string; message: string }[] };
  return list.items
    .filter((e) => e.type === "Warning" && e.reason === "InvalidDescriptor")
    .map((e) => e.message);
}

const served = (): string[] => runtime.engine()?.providers() ?? [];
const broken = (text: string): string => text.replace(/^ {4}kind: \w+$/m, "    kind: 42");

beforeAll(async () => {
  platform = kubeConfigFor("platform");
  onboarding = kubeConfigFor("onboarding");
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(platform, descriptorMap(GOOD, smallDescriptor({ name: GOOD })));
  await apply(platform, descriptorMap(OTHER, broken(smallDescriptor({ name: OTHER }))));
  runtime = await startRuntime({
    platform,
    onboarding,
    logger: createLogger({ level: process.env.SPE_TEST_LOG ?? "silent" }),
    descriptorNamespace: NS,
    ops: [{ host: "127.0.0.1", port: 0 }],
    helm: { path: testEnv().binaries["spe-helm-worker"] },
    workers: 2,
    processMetrics: false,
  });
});

afterAll(async () => {
  await runtime.stop();
  const clients = { platform: KubeClient.for(platform), onboarding: KubeClient.for(onboarding) };
  for (const crd of crds) {
    await clients[crd.cluster].delete({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: crd.name,
    });
  }
  await clients.platform.delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("spe run with descriptor ConfigMaps", () => {
  it("serves the good descriptor and reports the broken one on its ConfigMap with line:col", async () => {
    const names = crdNamesOf(smallDescriptor({ name: GOOD }));
    expect(await crdExists(onboarding, names.api)).toBe(true);
    expect(await crdExists(platform, names.config)).toBe(true);
    expect(served()).toEqual([GOOD]);

    const invalid = await statusOf(OTHER, "Invalid");
    const where = `configmap:${NS}/${OTHER}/${KEY}:8:11`;
    expect(invalid["spe.dev/status-message"]).toBe(`${where}: error: must be string [schema]`);
    const events = await eventually("an InvalidDescriptor event", async () => {
      const found = await warnings(OTHER);
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toContain(where);
    expect((await statusOf(GOOD, "Serving"))["spe.dev/status-message"]).toBeUndefined();

    // Ready once the descriptors are loaded and the served providers' informers have listed.
    const body = await eventually("/readyz 200", async () => {
      const res = await fetch(`http://127.0.0.1:${runtime.opsPorts[0]}/readyz`);
      return res.status === 200 ? res.text() : undefined;
    });
    expect(body).toContain("[+]descriptors-loaded ok\n[+]informers-synced ok\n[+]leader-election ok");
  });

  it("serves a fixed descriptor without a restart", async () => {
    await apply(platform, descriptorMap(OTHER, smallDescriptor({ name: OTHER })));
    const names = crdNamesOf(smallDescriptor({ name: OTHER }));
    await eventually("the fixed provider's API CRD", async () =>
      (await crdExists(onboarding, names.api)) ? true : undefined,
    );
    const status = await statusOf(OTHER, "Serving");
    expect(status["spe.dev/status-message"]).toBeUndefined();
    await eventually("both served", () => Promise.resolve(served().length === 2 ? true : undefined));
  });

  it("keeps serving the last valid version of a descriptor that breaks", async () => {
    await apply(platform, descriptorMap(GOOD, broken(smallDescriptor({ name: GOOD }))));
    const status = await statusOf(GOOD, "Invalid");
    expect(status["spe.dev/status-message"]).toMatch(
      new RegExp(
        `^still serving the last valid version of ${GOOD}\\nconfigmap:${NS}/${GOOD}/${KEY}:8:11: error`,
      ),
    );
    expect(served()).toContain(GOOD);
    await apply(platform, descriptorMap(GOOD, smallDescriptor({ name: GOOD })));
    await statusOf(GOOD, "Serving");
  });

  it("rejects a second descriptor that claims a served provider's name", async () => {
    const CLASH = `rclash${id}`;
    await apply(
      platform,
      descriptorMap(CLASH, smallDescriptor({ name: GOOD, group: `clash${id}.tests.spe.dev` })),
    );
    const status = await statusOf(CLASH, "Invalid");
    expect(status["spe.dev/status-message"]).toContain(
      `configmap:${NS}/${CLASH}/${KEY}:4:9: error: provider name "${GOOD}" is already claimed by configmap:${NS}/${GOOD}/${KEY}`,
    );
    expect(served().sort()).toEqual([GOOD, OTHER].sort());
    await KubeClient.for(platform).delete({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: CLASH,
      namespace: NS,
    });
  });

  it("stops serving a descriptor whose ConfigMap is deleted", async () => {
    await KubeClient.for(platform).delete({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: OTHER,
      namespace: NS,
    });
    await eventually("only the good provider served", () =>
      Promise.resolve(served().join() === GOOD ? true : undefined),
    );
  });
});
