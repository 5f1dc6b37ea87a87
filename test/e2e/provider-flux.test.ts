/**
 * providers/flux as bundled, on the real clusters (test/e2e/support/provider-flow.ts): a
 * flux2-shaped fixture chart (test/fixtures/charts/flux2) pushed at two versions into the
 * run's registry, which asks for credentials and serves TLS from the run's CA; the config
 * offers both with chartPullSecret and caBundleRef in openmcp-system. A Flux object goes
 * Ready with the offered chart, the image pull Secret of its values and the CA bundle copied
 * to flux-system on the MCP; a tenant's GitRepository is served; drift is corrected; an
 * upgrade to the other offered version installs its chart and prunes the pull Secret it no
 * longer names; deletion waits for the tenant's GitRepository, then removes everything.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { apply, eventually } from "./support/kube.js";
import { chartOf, deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const RELEASE_NS = "flux-system";
const SOURCE_CONTROLLER = deploymentRef(RELEASE_NS, "source-controller");
const secretRef = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: RELEASE_NS },
});
const caCopy: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "registry-ca", namespace: RELEASE_NS },
};
const gitRepository: KubeObject = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: { name: "podinfo", namespace: "default" },
  spec: { url: "https://example.invalid/podinfo.git", interval: "5m" },
};
const crd = (name: string): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name },
});

let flow: ProviderFlow;

beforeAll(async () => {
  flow = await ProviderFlow.start({ provider: "flux", namespace: `project-x--ws-${id}`, name: "my-mcp" });
  const chartUrl = await flow.pushChart("test/fixtures/charts/flux2", `flux-${id}`, [
    { version: "2.15.0", appVersion: "2.5.1" },
    { version: "2.16.4", appVersion: "2.6.4" },
  ]);
  await flow.registrySecret("flux-chart-pull");
  await flow.registrySecret("flux-images");
  await flow.registryCa("registry-ca", "ca.crt");
  await flow.config({
    caBundleRef: { name: "registry-ca", key: "ca.crt" },
    versions: [
      {
        version: "v2.5.1",
        chartUrl,
        chartVersion: "2.15.0",
        chartPullSecret: "flux-chart-pull",
        values: { imagePullSecrets: [{ name: "flux-images" }] },
      },
      { version: "v2.6.4", chartUrl, chartVersion: "2.16.4", chartPullSecret: "flux-chart-pull" },
    ],
  });
});

afterAll(async () => {
  await flow.removeFromMcp(gitRepository);
  await flow.stop();
});

describe("providers/flux", () => {
  it("goes Ready with the offered chart from the private registry, its image pull Secret and the CA copied to the MCP", async () => {
    await flow.request({ version: "v2.5.1" });
    await flow.ready();
    const deployment = await flow.onMcp(SOURCE_CONTROLLER);
    expect(chartOf(deployment)).toBe("flux2-2.15.0");
    const podSpec = (deployment as { spec?: { template?: { spec?: { imagePullSecrets?: unknown } } } }).spec;
    expect(podSpec?.template?.spec?.imagePullSecrets).toEqual([{ name: "flux-images" }]);
    const copy = (await flow.onMcp(secretRef("flux-images"))) as KubeObject & { type?: string };
    expect(copy.type).toBe("kubernetes.io/dockerconfigjson");
    expect(copy.metadata.annotations?.["spe.dev/copied-from"]).toBe("openmcp-system/flux-images");
    const ca = (await flow.onMcp(caCopy)) as { data?: Record<string, string> } | undefined;
    expect(ca?.data?.["ca.crt"]).toBe(await readFile(flow.registry.caFile, "utf8"));
  });

  it("serves Flux's API on the MCP: a tenant's GitRepository is accepted", async () => {
    const created = await eventually("GitRepository accepted", () => apply(flow.mcp, gitRepository));
    expect(created.metadata.uid).toBeTruthy();
  });

  it("corrects drift on the release's Deployment and on the copied pull Secret", async () => {
    const image = imageOf(await flow.onMcp(SOURCE_CONTROLLER));
    expect(image).toBe("ghcr.io/fluxcd/source-controller:v1.6.2");
    await flow.tamper(SOURCE_CONTROLLER, {
      spec: {
        template: { spec: { containers: [{ name: "manager", image: "registry.invalid/intruder:6.6.6" }] } },
      },
    });
    await flow.removeFromMcp(secretRef("flux-images"));
    await flow.awaitOnMcp("source-controller image restored", SOURCE_CONTROLLER, (d) => imageOf(d) === image);
    await flow.awaitOnMcp("pull Secret copied again", secretRef("flux-images"), (s) => s !== undefined);
  });

  it("upgrades to the other offered version and prunes the pull Secret its values no longer name", async () => {
    await flow.request({ version: "v2.6.4" });
    await flow.ready();
    await flow.awaitOnMcp("chart 2.16.4 deployed", SOURCE_CONTROLLER, (d) => chartOf(d) === "flux2-2.16.4");
    expect(await flow.release(RELEASE_NS, "flux")).toEqual({ revision: "2" });
    await flow.awaitOnMcp("pull Secret pruned", secretRef("flux-images"), (s) => s === undefined);
  });

  it("blocks deletion while the tenant's GitRepository exists", async () => {
    const blocked = await flow.deleteBlockedBy(gitRepository);
    expect(blocked.message).toContain("GitRepository");
    expect(await flow.onMcp(SOURCE_CONTROLLER)).toBeDefined();
  });

  it("removes the release, the copies and Flux's CRDs once the tenant's objects are gone", async () => {
    await flow.removeFromMcp(gitRepository);
    await flow.gone();
    expect(await flow.release(RELEASE_NS, "flux")).toBeUndefined();
    expect(await flow.onMcp(SOURCE_CONTROLLER)).toBeUndefined();
    expect(await flow.onMcp(caCopy)).toBeUndefined();
    for (const name of [
      "gitrepositories.source.toolkit.fluxcd.io",
      "helmrepositories.source.toolkit.fluxcd.io",
    ])
      await flow.awaitOnMcp(`CRD ${name} gone`, crd(name), (c) => c === undefined);
  });
});
