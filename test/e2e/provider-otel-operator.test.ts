/**
 * providers/otel-operator as bundled, on the real clusters (test/e2e/support/provider-flow.ts)
 * with both targets granted through openMCP AccessRequests: an opentelemetry-kube-stack-shaped
 * fixture chart pushed at two versions into the run's registry (credentials, TLS from the
 * run's CA, which spe's environment trusts). One OtelOperator makes the CRD release on the
 * MCP and the operator release on the workload cluster (in otel-operator-<instance id>, its
 * image pull Secret copied there); a tenant's OpenTelemetryCollector is served on the MCP;
 * drift on either cluster is corrected; an upgrade moves both releases to the other chart;
 * deletion waits for the collector, then everything is removed from both clusters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { apply, eventually, read } from "./support/kube.js";
import { chartOf, deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const NAME = "my-mcp";
const MCP_NS = "opentelemetry-operator-system";
const CHART_PULL = `otel-${id}-chart-pull`;
const IMAGES = `otel-${id}-images`;
const crd = (name: string): KubeObject => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name },
});
const COLLECTORS = crd("opentelemetrycollectors.opentelemetry.io");
const INSTRUMENTATIONS = crd("instrumentations.opentelemetry.io");
const collector = {
  apiVersion: "opentelemetry.io/v1beta1",
  kind: "OpenTelemetryCollector",
  metadata: { name: "traces", namespace: "default" },
  spec: { mode: "deployment" },
} as KubeObject;

let flow: ProviderFlow;
/** The operator's namespace on the workload cluster: otel-operator-<instance id>. */
let workloadNs: string;
const operator = (): KubeObject => deploymentRef(workloadNs, `${NAME}-workload-opentelemetry-operator`);

beforeAll(async () => {
  flow = await ProviderFlow.start({
    provider: "otel-operator",
    namespace: `project-x--ws-${id}`,
    name: NAME,
    trustRegistryCa: true,
    workload: true,
  });
  const chartURL = await flow.pushChart("test/fixtures/charts/opentelemetry-kube-stack", `otel-${id}`, [
    { version: "0.20.1", appVersion: "0.135.0" },
    { version: "0.21.0", appVersion: "0.136.0" },
  ]);
  await flow.registrySecret(CHART_PULL);
  await flow.registrySecret(IMAGES);
  await flow.config({
    chartURL,
    chartPullSecret: CHART_PULL,
    helmValues: { global: { imagePullSecrets: [{ name: IMAGES }] } },
  });
});

afterAll(async () => {
  await flow.removeFromMcp(collector);
  await flow.stop();
});

describe("providers/otel-operator", () => {
  it("installs the CRDs on the MCP and the operator on the workload cluster, with its pull Secret copied there", async () => {
    await flow.request({ version: "0.20.1" });
    await flow.ready();
    const api = await read(flow.onboarding, flow.api);
    const instance = api?.metadata.labels?.["oteloperator.services.openmcp.cloud/instance-id"];
    expect(instance).toMatch(/^[a-z2-7]{8}$/);
    workloadNs = `otel-operator-${instance ?? ""}`;

    expect(await flow.release(MCP_NS, `${NAME}-crds`)).toEqual({ revision: "1" });
    expect(await flow.onMcp(COLLECTORS)).toBeDefined();
    expect(await flow.onMcp(deploymentRef(MCP_NS, `${NAME}-crds-opentelemetry-operator`))).toBeUndefined();

    const deployment = await flow.onWorkload(operator());
    expect(chartOf(deployment)).toBe("opentelemetry-kube-stack-0.20.1");
    expect(imageOf(deployment)).toBe(
      "ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.135.0",
    );
    const pod = (deployment as { spec?: { template?: { spec?: { imagePullSecrets?: unknown } } } }).spec;
    expect(pod?.template?.spec?.imagePullSecrets).toEqual([{ name: IMAGES }]);
    const copy = (await flow.onWorkload({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: IMAGES, namespace: workloadNs },
    })) as KubeObject & { type?: string };
    expect(copy.type).toBe("kubernetes.io/dockerconfigjson");
    // The CRDs are the MCP's alone.
    expect(await flow.onWorkload(COLLECTORS)).toBeUndefined();
  });

  it("serves the OpenTelemetry API on the MCP: a tenant's collector is accepted", async () => {
    const created = await eventually("OpenTelemetryCollector accepted", () => apply(flow.mcp, collector));
    expect(created.metadata.uid).toBeTruthy();
  });

  it("corrects drift of the operator on the workload cluster and of a CRD on the MCP", async () => {
    const image = imageOf(await flow.onWorkload(operator()));
    await flow.tamper(
      operator(),
      { spec: { template: { spec: { containers: [{ name: "manager", image: "registry.invalid/x:6" }] } } } },
      flow.workload,
    );
    const before = (await flow.onMcp(INSTRUMENTATIONS))?.metadata.uid;
    await KubeClient.for(flow.mcp).delete({ ...INSTRUMENTATIONS, name: INSTRUMENTATIONS.metadata.name });
    await flow.awaitOnWorkload("operator image restored", operator(), (d) => imageOf(d) === image);
    await flow.awaitOnMcp(
      "instrumentations CRD re-created",
      INSTRUMENTATIONS,
      (c) => c !== undefined && c.metadata.uid !== before && !c.metadata.deletionTimestamp,
    );
  });

  it("upgrades both releases to the other chart version", async () => {
    await flow.request({ version: "0.21.0" });
    await flow.ready();
    await flow.awaitOnWorkload(
      "operator from chart 0.21.0",
      operator(),
      (d) => chartOf(d) === "opentelemetry-kube-stack-0.21.0",
    );
    expect(await flow.release(MCP_NS, `${NAME}-crds`)).toEqual({ revision: "2" });
    expect(chartOf(await flow.onMcp(COLLECTORS))).toBe("opentelemetry-kube-stack-0.21.0");
  });

  it("blocks deletion while the tenant's collector exists", async () => {
    const blocked = await flow.deleteBlockedBy(collector);
    expect(blocked.message).toContain("OpenTelemetryCollector");
    expect(await flow.onWorkload(operator())).toBeDefined();
  });

  it("removes both releases, the copy and the CRDs once the tenant's objects are gone", async () => {
    await flow.removeFromMcp(collector);
    await flow.gone();
    expect(await flow.release(MCP_NS, `${NAME}-crds`)).toBeUndefined();
    expect(await flow.release(workloadNs, `${NAME}-workload`, flow.workload)).toBeUndefined();
    expect(await flow.onWorkload(operator())).toBeUndefined();
    await flow.awaitOnWorkload(
      "the operator's namespace removed",
      { apiVersion: "v1", kind: "Namespace", metadata: { name: workloadNs } },
      (n) => n === undefined,
    );
    await flow.awaitOnMcp("collectors CRD gone", COLLECTORS, (c) => c === undefined);
  });
});
