/**
 * providers/metrics-operator as bundled, on the real clusters
 * (test/e2e/support/provider-flow.ts) with both targets granted through openMCP
 * AccessRequests: a metrics-operator-shaped fixture chart pushed at two versions into the
 * run's registry (credentials, TLS from the run's CA, which spe's environment trusts). A
 * MetricsOperator gets its ServiceAccount and binding on the MCP and the operator release on
 * the workload cluster (in metrics-operator-<instance id>, its image pull Secret copied
 * there), with a kubeconfig Secret beside it that authenticates on the MCP as the
 * ServiceAccount, mounted into the operator (KUBECONFIG). The fixture operator does not run,
 * so it cannot install its CRDs on the MCP (--install-crds); the test applies a cut-down
 * Metric CRD there in its stead; a
 * tenant's Metric is served; drift on either cluster is corrected; an upgrade installs the
 * other offered version and prunes the pull Secret; deletion waits for the Metric, then
 * everything spe made is removed from both clusters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { apply, eventually, read } from "./support/kube.js";
import { chartOf, deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const MCP_NS = "metrics-operator";
const CHART_PULL = `metrics-${id}-chart-pull`;
const IMAGES = `metrics-${id}-images`;
const SA: KubeObject = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name: "metrics-operator-server", namespace: MCP_NS },
};
const BINDING: KubeObject = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "ClusterRoleBinding",
  metadata: { name: "metrics-operator-server" },
};
const METRIC_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "metrics.metrics.open-control-plane.io" },
  spec: {
    group: "metrics.open-control-plane.io",
    names: { kind: "Metric", listKind: "MetricList", plural: "metrics", singular: "metric" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
} as KubeObject;
const metric = {
  apiVersion: "metrics.open-control-plane.io/v1alpha1",
  kind: "Metric",
  metadata: { name: "pods", namespace: "default" },
  spec: { target: { kind: "Pod", version: "v1" }, interval: "1m" },
} as KubeObject;

let flow: ProviderFlow;
/** The operator's namespace on the workload cluster: metrics-operator-<instance id>. */
let workloadNs: string;
const operator = (): KubeObject => deploymentRef(workloadNs, "metrics-operator");
const tokenSecret = (): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "kube-api-access-metrics-operator-server", namespace: workloadNs },
});
interface OperatorPod {
  volumes?: { name: string; secret?: { secretName?: string } }[];
  containers?: { env?: { name: string; value?: string }[] }[];
}
/** Whom the Secret's kubeconfig authenticates as on the cluster it names. */
async function usernameOf(secret: KubeObject | undefined): Promise<string | undefined> {
  const data = (secret as { data?: Record<string, string> } | undefined)?.data;
  const kc = new KubeConfig();
  kc.loadFromString(Buffer.from(data?.kubeconfig ?? "", "base64").toString("utf8"));
  const review = (await KubeClient.for(kc).send({
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  })) as { status?: { userInfo?: { username?: string } } };
  return review.status?.userInfo?.username;
}

const imageCopy = (): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: IMAGES, namespace: workloadNs },
});

beforeAll(async () => {
  flow = await ProviderFlow.start({
    provider: "metrics-operator",
    namespace: `project-x--ws-${id}`,
    name: "my-mcp",
    trustRegistryCa: true,
    workload: true,
  });
  const chartURL = await flow.pushChart("test/fixtures/charts/metrics-operator", `metrics-${id}`, [
    { version: "0.8.3", appVersion: "v0.8.3" },
    { version: "0.9.0", appVersion: "v0.9.0" },
  ]);
  await flow.registrySecret(CHART_PULL);
  await flow.registrySecret(IMAGES);
  await flow.config({
    versions: [
      {
        version: "v0.8.3",
        chartURL,
        chartVersion: "0.8.3",
        chartPullSecret: CHART_PULL,
        helmValues: { global: { imagePullSecrets: [{ name: IMAGES }] } },
      },
      { version: "v0.9.0", chartURL, chartVersion: "0.9.0", chartPullSecret: CHART_PULL },
    ],
  });
});

afterAll(async () => {
  await flow.removeFromMcp(metric);
  await flow.stop();
  await KubeClient.for(flow.mcp).delete({ ...METRIC_CRD, name: METRIC_CRD.metadata.name });
});

describe("providers/metrics-operator", () => {
  it("gives the operator its identity on the MCP and runs it on the workload cluster with its pull Secret", async () => {
    await flow.request({ version: "v0.8.3" });
    await flow.ready();
    const api = await read(flow.onboarding, flow.api);
    const instance = api?.metadata.labels?.["metrics-operator.services.openmcp.cloud/instance-id"];
    expect(instance).toMatch(/^[a-z2-7]{8}$/);
    workloadNs = `metrics-operator-${instance ?? ""}`;

    expect(await flow.onMcp(SA)).toBeDefined();
    const binding = (await flow.onMcp(BINDING)) as { subjects?: unknown; roleRef?: { name?: string } };
    expect(binding.roleRef?.name).toBe("cluster-admin");
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "metrics-operator-server", namespace: MCP_NS },
    ]);
    const deployment = await flow.onWorkload(operator());
    expect(chartOf(deployment)).toBe("metrics-operator-0.8.3");
    expect(imageOf(deployment)).toBe("ghcr.io/openmcp-project/images/metrics-operator:v0.8.3");
    const pod = (deployment as { spec?: { template?: { spec?: { imagePullSecrets?: unknown } } } }).spec;
    expect(pod?.template?.spec?.imagePullSecrets).toEqual([{ name: IMAGES }]);
    expect(((await flow.onWorkload(imageCopy())) as { type?: string }).type).toBe(
      "kubernetes.io/dockerconfigjson",
    );
    expect(await flow.onMcp(operator())).toBeUndefined();
  });

  it("hands the operator a kubeconfig Secret that authenticates on the MCP as metrics-operator-server", async () => {
    expect(await usernameOf(await flow.onWorkload(tokenSecret()))).toBe(
      `system:serviceaccount:${MCP_NS}:metrics-operator-server`,
    );
    const deployment = (await flow.onWorkload(operator())) as {
      spec?: { template?: { spec?: OperatorPod } };
    };
    const pod = deployment.spec?.template?.spec;
    expect(pod?.volumes?.map((v) => v.secret?.secretName)).toEqual([
      "kube-api-access-metrics-operator-server",
    ]);
    expect(pod?.containers?.[0]?.env).toContainEqual({
      name: "KUBECONFIG",
      value: "/var/run/secrets/mcp/kubeconfig",
    });
  });

  it("serves the metrics API on the MCP: a tenant's Metric is accepted", async () => {
    await KubeClient.for(flow.mcp).apply(METRIC_CRD, { manager: "metrics-operator" });
    const created = await eventually("Metric accepted", () => apply(flow.mcp, metric));
    expect(created.metadata.uid).toBeTruthy();
  });

  it("corrects drift of the operator on the workload cluster and of its binding on the MCP", async () => {
    const image = imageOf(await flow.onWorkload(operator()));
    await flow.tamper(
      operator(),
      { spec: { template: { spec: { containers: [{ name: "manager", image: "registry.invalid/x:6" }] } } } },
      flow.workload,
    );
    await KubeClient.for(flow.mcp).delete({ ...BINDING, name: BINDING.metadata.name });
    await flow.awaitOnWorkload("operator image restored", operator(), (d) => imageOf(d) === image);
    await flow.awaitOnMcp("binding re-created", BINDING, (b) => b !== undefined);
  });

  it("upgrades to the other offered version and prunes the pull Secret its values no longer name", async () => {
    await flow.request({ version: "v0.9.0" });
    await flow.ready();
    await flow.awaitOnWorkload("chart 0.9.0", operator(), (d) => chartOf(d) === "metrics-operator-0.9.0");
    expect(await flow.release(workloadNs, "metrics-operator", flow.workload)).toEqual({ revision: "2" });
    await flow.awaitOnWorkload("pull Secret pruned", imageCopy(), (s) => s === undefined);
  });

  it("blocks deletion while the tenant's Metric exists", async () => {
    const blocked = await flow.deleteBlockedBy(metric);
    expect(blocked.message).toContain("Metric");
    expect(await flow.onWorkload(operator())).toBeDefined();
  });

  it("removes the operator and its identity from both clusters once the tenant's objects are gone", async () => {
    await flow.removeFromMcp(metric);
    await flow.gone();
    expect(await flow.release(workloadNs, "metrics-operator", flow.workload)).toBeUndefined();
    expect(await flow.onWorkload(operator())).toBeUndefined();
    expect(await flow.onMcp(SA)).toBeUndefined();
    expect(await flow.onMcp(BINDING)).toBeUndefined();
  });
});
