/**
 * providers/argocd as bundled, on the real clusters (test/e2e/support/provider-flow.ts): an
 * argo-cd-shaped fixture chart pushed at two versions and a reloader-shaped one into the run's
 * registry (credentials, TLS from the run's CA, which spe's environment trusts: the config
 * has no caBundleRef). An exposed ArgoCD object gets the offered chart with its image pull
 * Secret copied, Reloader beside it and a LoadBalancer Service with the DNS and certificate
 * annotations; it is Ready only once the LoadBalancer has an address (set here as a cloud's
 * controller would). A tenant's Application is served; drift is corrected; an upgrade installs
 * the other version and prunes the pull Secret; Reloader goes when the config drops it;
 * deletion waits for the Application, then everything is removed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { apply, eventually } from "./support/kube.js";
import { chartOf, deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const NS = "argocd";
const HOST = "argocd.my-mcp.example.com";
const CHART_PULL = `argocd-${id}-chart-pull`;
const IMAGES = `argocd-${id}-images`;
const SERVER = deploymentRef(NS, "argocd-server");
const RELOADER = deploymentRef(NS, "reloader-reloader");
const ref = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: namespace === undefined ? { name } : { name, namespace },
});
const EXPOSED = ref("v1", "Service", "argocd-server-external", NS);
const ARGOCD_CM = ref("v1", "ConfigMap", "argocd-cm", NS);
const imageCopy = ref("v1", "Secret", IMAGES, NS);
const application = {
  ...ref("argoproj.io/v1alpha1", "Application", "guestbook", NS),
  spec: { project: "default", destination: { server: "https://kubernetes.default.svc" } },
} as KubeObject;
const exposure = { host: HOST, allowedIPs: ["203.0.113.0/24"] };

let flow: ProviderFlow;
let configSpec: Record<string, unknown>;

/** What a cloud's LoadBalancer controller does: give the Service an address. */
async function assignAddress(): Promise<void> {
  const client = KubeClient.for(flow.mcp);
  await client.send({
    method: "PATCH",
    path: `${await client.path({ apiVersion: "v1", kind: "Service", name: EXPOSED.metadata.name, namespace: NS })}/status`,
    body: { status: { loadBalancer: { ingress: [{ ip: "198.51.100.7" }] } } },
    contentType: "application/merge-patch+json",
  });
}

beforeAll(async () => {
  flow = await ProviderFlow.start({
    provider: "argocd",
    namespace: `project-x--ws-${id}`,
    name: "my-mcp",
    trustRegistryCa: true,
  });
  const chartUrl = await flow.pushChart("test/fixtures/charts/argo-cd", `argocd-${id}`, [
    { version: "8.1.4", appVersion: "v3.0.19" },
    { version: "8.5.10", appVersion: "v3.1.8" },
  ]);
  const reloaderUrl = await flow.pushChart("test/fixtures/charts/reloader", `argocd-${id}`, [
    { version: "2.2.3", appVersion: "v1.4.8" },
  ]);
  await flow.registrySecret(CHART_PULL);
  await flow.registrySecret(IMAGES);
  configSpec = {
    versions: [
      {
        version: "v3.0.19",
        chartUrl,
        chartVersion: "8.1.4",
        chartPullSecret: CHART_PULL,
        values: { imagePullSecrets: [{ name: IMAGES }] },
      },
      { version: "v3.1.8", chartUrl, chartVersion: "8.5.10", chartPullSecret: CHART_PULL },
    ],
    exposure: { dnsTTL: 600 },
    reloader: { chartUrl: reloaderUrl, chartVersion: "2.2.3", chartPullSecret: CHART_PULL },
  };
  await flow.config(configSpec);
});

afterAll(async () => {
  await flow.removeFromMcp(application);
  await flow.stop();
});

describe("providers/argocd", () => {
  it("goes Ready once the exposed server's LoadBalancer has an address, with its pull Secret copied and Reloader beside it", async () => {
    await flow.request({ version: "v3.0.19", exposure });
    await flow.awaitOnMcp("the LoadBalancer Service", EXPOSED, (s) => s !== undefined);
    const waiting = await eventually("ResourcesReady=False naming the LoadBalancer", async () => {
      const c = (await flow.status())?.conditions?.find((x) => x.type === "ResourcesReady");
      return c?.status === "False" && c.message?.includes("argocd-server-external") ? c : undefined;
    });
    expect(waiting.message).toContain("Service");
    expect((await flow.status())?.phase).not.toBe("Ready");
    await assignAddress();
    await flow.ready();

    const service = (await flow.onMcp(EXPOSED)) as KubeObject & {
      spec?: { type?: string; loadBalancerSourceRanges?: string[] };
    };
    expect(service.spec?.type).toBe("LoadBalancer");
    expect(service.spec?.loadBalancerSourceRanges).toEqual(["203.0.113.0/24"]);
    expect(service.metadata.annotations).toMatchObject({
      "dns.gardener.cloud/dnsnames": HOST,
      "dns.gardener.cloud/class": "garden",
      "dns.gardener.cloud/ttl": "600",
      "cert.gardener.cloud/purpose": "managed",
      "cert.gardener.cloud/secretname": "argocd-server-tls",
    });
    const server = await flow.onMcp(SERVER);
    expect(chartOf(server)).toBe("argo-cd-8.1.4");
    const pod = (server as { spec?: { template?: { spec?: { imagePullSecrets?: unknown } } } }).spec;
    expect(pod?.template?.spec?.imagePullSecrets).toEqual([{ name: IMAGES }]);
    const copy = (await flow.onMcp(imageCopy)) as KubeObject & { type?: string };
    expect(copy.type).toBe("kubernetes.io/dockerconfigjson");
    expect(copy.metadata.annotations?.["spe.dev/copied-from"]).toBe(`openmcp-system/${IMAGES}`);
    const cm = (await flow.onMcp(ARGOCD_CM)) as { data?: Record<string, string> } | undefined;
    expect(cm?.data?.url).toBe(`https://${HOST}`);
    expect(chartOf(await flow.onMcp(RELOADER))).toBe("reloader-2.2.3");
  });

  it("serves Argo CD's API on the MCP: a tenant's Application is accepted", async () => {
    const created = await eventually("Application accepted", () => apply(flow.mcp, application));
    expect(created.metadata.uid).toBeTruthy();
  });

  it("corrects drift on the server and on the copied pull Secret", async () => {
    const image = imageOf(await flow.onMcp(SERVER));
    expect(image).toBe("quay.io/argoproj/argocd:v3.0.19");
    await flow.tamper(SERVER, {
      spec: {
        template: { spec: { containers: [{ name: "server", image: "registry.invalid/intruder:6.6.6" }] } },
      },
    });
    await flow.removeFromMcp(imageCopy);
    await flow.awaitOnMcp("server image restored", SERVER, (d) => imageOf(d) === image);
    await flow.awaitOnMcp("pull Secret copied again", imageCopy, (s) => s !== undefined);
  });

  it("upgrades to the other offered version and prunes the pull Secret its values no longer name", async () => {
    await flow.request({ version: "v3.1.8", exposure });
    await flow.ready();
    await flow.awaitOnMcp("chart 8.5.10 deployed", SERVER, (d) => chartOf(d) === "argo-cd-8.5.10");
    expect(imageOf(await flow.onMcp(SERVER))).toBe("quay.io/argoproj/argocd:v3.1.8");
    expect(await flow.release(NS, "argocd")).toEqual({ revision: "2" });
    await flow.awaitOnMcp("pull Secret pruned", imageCopy, (s) => s === undefined);
  });

  it("uninstalls Reloader when the config no longer asks for it", async () => {
    await flow.config(Object.fromEntries(Object.entries(configSpec).filter(([k]) => k !== "reloader")));
    await flow.awaitOnMcp("Reloader removed", RELOADER, (d) => d === undefined);
    expect(await flow.release(NS, "reloader")).toBeUndefined();
    await flow.ready();
  });

  it("blocks deletion while the tenant's Application exists", async () => {
    const blocked = await flow.deleteBlockedBy(application);
    expect(blocked.message).toContain("Application");
    expect(await flow.onMcp(SERVER)).toBeDefined();
  });

  it("removes the release, the Service and Argo CD's CRDs once the tenant's objects are gone", async () => {
    await flow.removeFromMcp(application);
    await flow.gone();
    expect(await flow.release(NS, "argocd")).toBeUndefined();
    expect(await flow.onMcp(SERVER)).toBeUndefined();
    expect(await flow.onMcp(EXPOSED)).toBeUndefined();
    for (const name of ["applications.argoproj.io", "appprojects.argoproj.io"])
      await flow.awaitOnMcp(
        `CRD ${name} gone`,
        ref("apiextensions.k8s.io/v1", "CustomResourceDefinition", name),
        (c) => c === undefined,
      );
  });
});
