/**
 * providers/external-secrets and providers/externalsecrets (the two spellings of openMCP's
 * External Secrets API) as bundled, on the real clusters (test/e2e/support/provider-flow.ts):
 * an external-secrets-shaped fixture chart (test/fixtures/charts/external-secrets) pushed at
 * two versions into the run's registry behind credentials; the config names chartURL,
 * chartPullSecret and an image pull Secret in helmValues. Upstream's config has no
 * caBundleRef, so the run's CA is trusted through spe's environment. Each spelling: Ready
 * with the requested chart version and the pull Secret copied to the MCP; a tenant's
 * SecretStore is served; drift is corrected; another chart version is installed and a pull
 * Secret the config no longer names is pruned; deletion waits for the SecretStore, then
 * removes everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { apply, eventually } from "./support/kube.js";
import { chartOf, deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const RELEASE_NS = "external-secrets";
const CONTROLLER = deploymentRef(RELEASE_NS, "external-secrets");
const pullCopy: KubeObject = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "eso-images", namespace: RELEASE_NS },
};
const secretStore: KubeObject = {
  apiVersion: "external-secrets.io/v1",
  kind: "SecretStore",
  metadata: { name: "vault", namespace: "default" },
  spec: { provider: { vault: { server: "https://vault.invalid" } } },
};
const crd = (name: string): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name },
});

describe.each(["external-secrets", "externalsecrets"])("providers/%s", (provider) => {
  let flow: ProviderFlow;
  let chartURL = "";
  const config = (helmValues: Record<string, unknown>): Record<string, unknown> => ({
    chartURL,
    chartPullSecret: "eso-chart-pull",
    helmValues,
  });

  beforeAll(async () => {
    flow = await ProviderFlow.start({
      provider,
      namespace: `project-x--ws-${provider === "external-secrets" ? "eso" : "es"}${id}`,
      name: "my-mcp",
      trustRegistryCa: true,
    });
    chartURL = await flow.pushChart("test/fixtures/charts/external-secrets", `${provider}-${id}`, [
      { version: "0.20.4", appVersion: "v0.20.4" },
      { version: "0.21.0", appVersion: "v0.21.0" },
    ]);
    await flow.registrySecret("eso-chart-pull");
    await flow.registrySecret("eso-images");
    await flow.config(config({ installCRDs: true, imagePullSecrets: [{ name: "eso-images" }] }));
  });

  afterAll(async () => {
    await flow.removeFromMcp(secretStore);
    await flow.stop();
  });

  it("goes Ready with the requested chart version, pulled with chartPullSecret, and the image pull Secret copied to the MCP", async () => {
    await flow.request({ version: "0.20.4" });
    await flow.ready();
    const deployment = await flow.onMcp(CONTROLLER);
    expect(chartOf(deployment)).toBe("external-secrets-0.20.4");
    expect(imageOf(deployment)).toBe("ghcr.io/external-secrets/external-secrets:v0.20.4");
    const copy = await flow.onMcp(pullCopy);
    expect(copy?.type).toBe("kubernetes.io/dockerconfigjson");
    expect(copy?.metadata.annotations?.["spe.dev/copied-from"]).toBe("openmcp-system/eso-images");
  });

  it("serves the External Secrets API on the MCP: a tenant's SecretStore is accepted", async () => {
    const created = await eventually("SecretStore accepted", () => apply(flow.mcp, secretStore));
    expect(created.metadata.uid).toBeTruthy();
  });

  it("corrects drift on the operator's Deployment", async () => {
    const image = imageOf(await flow.onMcp(CONTROLLER));
    await flow.tamper(CONTROLLER, {
      spec: {
        template: {
          spec: { containers: [{ name: "external-secrets", image: "registry.invalid/intruder:6.6.6" }] },
        },
      },
    });
    await flow.awaitOnMcp("operator image restored", CONTROLLER, (d) => imageOf(d) === image);
  });

  it("installs another chart version and prunes the pull Secret the config no longer names", async () => {
    await flow.config(config({ installCRDs: true }));
    await flow.request({ version: "0.21.0" });
    await flow.ready();
    await flow.awaitOnMcp(
      "chart 0.21.0 deployed",
      CONTROLLER,
      (d) => chartOf(d) === "external-secrets-0.21.0",
    );
    await flow.awaitOnMcp("pull Secret pruned", pullCopy, (s) => s === undefined);
  });

  it("blocks deletion while the tenant's SecretStore exists", async () => {
    const blocked = await flow.deleteBlockedBy(secretStore);
    expect(blocked.message).toContain("SecretStore");
    expect(await flow.onMcp(CONTROLLER)).toBeDefined();
  });

  it("removes the release and the operator's CRDs once the tenant's objects are gone", async () => {
    await flow.removeFromMcp(secretStore);
    await flow.gone();
    expect(await flow.release(RELEASE_NS, "external-secrets")).toBeUndefined();
    expect(await flow.onMcp(CONTROLLER)).toBeUndefined();
    for (const name of ["externalsecrets.external-secrets.io", "secretstores.external-secrets.io"])
      await flow.awaitOnMcp(`CRD ${name} gone`, crd(name), (c) => c === undefined);
  });
});
