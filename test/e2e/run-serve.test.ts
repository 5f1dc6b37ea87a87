/**
 * `spe run`'s runtime in-process, serving a descriptor from a directory: an
 * API object on onboarding deploys onto mcp; editing the descriptor file is
 * picked up live and redeploys; deleting the object removes what was deployed.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { startRuntime, type Runtime } from "../../src/engine/runtime/runtime.js";
import { KubeClient } from "../../src/kube/client.js";
import { crdNamesOf, smallDescriptor } from "../fixtures/small-descriptor.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NAME = `rserve${id}`;
const GROUP = `${NAME}.tests.spe.dev`;
const KIND = `Rserve${id}`;
const TENANT = `tenant-${id}`;
const MCP = "mcp-a";

const TEXT = smallDescriptor({ name: NAME, kind: KIND, kubeconfigTarget: true });
const CRDS = crdNamesOf(TEXT);

let dir: string;
let file: string;
let runtime: Runtime;
let platform: KubeConfig;
let onboarding: KubeConfig;
let mcp: KubeConfig;

const apiObject = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: KIND,
  metadata: { name: MCP, namespace: TENANT },
  spec: { message: "hi" },
};
const note = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "note", namespace: `${NAME}-system` } };

beforeAll(async () => {
  platform = kubeConfigFor("platform");
  onboarding = kubeConfigFor("onboarding");
  mcp = kubeConfigFor("mcp");
  dir = await mkdtemp(join(tmpdir(), "spe-serve-"));
  file = join(dir, "descriptor.yaml");
  await writeFile(file, TEXT);
  for (const kc of [platform, onboarding]) {
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: TENANT } });
  }
  const kubeconfig = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${MCP}-kubeconfig`, namespace: TENANT },
    stringData: { kubeconfig },
  });
  runtime = await startRuntime({
    platform,
    onboarding,
    logger: createLogger({ level: process.env.SPE_TEST_LOG ?? "silent" }),
    descriptors: [dir],
    ops: [{ host: "127.0.0.1", port: 0 }],
    helm: { path: testEnv().binaries["spe-helm-worker"] },
    pollIntervalMs: 100,
    processMetrics: false,
  });
  await apply(platform, {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: NAME },
    spec: { note: "test" },
  });
});

afterAll(async () => {
  await runtime.stop();
  await rm(dir, { recursive: true, force: true });
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  await KubeClient.for(onboarding).delete({ ...crd, name: CRDS.api });
  await KubeClient.for(platform).delete({ ...crd, name: CRDS.config });
  for (const kc of [platform, onboarding]) {
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: TENANT });
  }
});

type Note = { data?: Record<string, string> } | undefined;

describe("spe run serving a descriptor directory", () => {
  it("deploys what an API object asks for onto the target cluster", async () => {
    await apply(onboarding, apiObject);
    const deployed = await eventually("the note ConfigMap on mcp", async () => {
      const cm = (await read(mcp, note)) as Note;
      return cm?.data?.message === "hi" ? cm : undefined;
    });
    expect(deployed.data).toEqual({ message: "hi" });
  });

  it("picks up an edited descriptor file: the API CRD gets the new field", async () => {
    const text = await readFile(file, "utf8");
    const extra = "            extra:\n              type: string\n              description: Added later.\n";
    await writeFile(
      file,
      text.replace(
        "              description: A message.\n",
        `              description: A message.\n${extra}`,
      ),
    );
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: CRDS.api },
    };
    type Crd = {
      spec: { versions: { schema: { openAPIV3Schema: { properties: { spec: { properties: object } } } } }[] };
    };
    await eventually("the CRD with spec.extra", async () => {
      const live = (await read(onboarding, crd)) as Crd | undefined;
      const props = live?.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties;
      return props && "extra" in props ? true : undefined;
    });
    // The CRD is applied before the restarted provider is served again: wait for both.
    await eventually("the provider served again", () =>
      Promise.resolve(runtime.engine()?.providers().includes(NAME) ? true : undefined),
    );
  });

  it("redeploys after an edited manifest in the descriptor", async () => {
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("          data:\n", '          data:\n            edited: "yes"\n'));
    // Well inside the poll interval (1m): a restarted provider reconciles every object at once.
    await eventually(
      "the edited note on mcp",
      async () => {
        const cm = (await read(mcp, note)) as Note;
        return cm?.data?.edited === "yes" ? true : undefined;
      },
      15_000,
    );
  });

  it("removes what was deployed when the API object is deleted", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: apiObject.apiVersion,
      kind: KIND,
      name: MCP,
      namespace: TENANT,
    });
    await eventually("the API object gone", async () =>
      (await read(onboarding, apiObject)) ? undefined : true,
    );
    await eventually("the note gone from mcp", async () => ((await read(mcp, note)) ? undefined : true));
  });
});
