/**
 * providers/velero as bundled, on the real clusters (test/e2e/support/provider-flow.ts) with
 * the MCP and a workload cluster granted through openMCP AccessRequests. No Helm: a Velero gets
 * its ServiceAccount and binding on the MCP and, on the workload cluster in velero-<instance
 * id>, a Deployment whose plugin init containers come from availableImages, its pull Secret
 * copied, and a Secret with a token for the MCP's ServiceAccount that authenticates there as
 * it. Velero's CRDs are not deployed by the descriptor yet, so the test applies a cut-down
 * Backup CRD on the MCP; a tenant's Backup blocks deletion; drift on the workload cluster is
 * corrected; then everything spe made is removed from both clusters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { apply, eventually, read } from "./support/kube.js";
import { deploymentRef, imageOf, ProviderFlow } from "./support/provider-flow.js";

const id = Date.now().toString(36);
const IMAGES = `velero-${id}-images`;
const SA: KubeObject = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name: "velero", namespace: "velero" },
};
const BACKUP_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "backups.velero.io" },
  spec: {
    group: "velero.io",
    names: { kind: "Backup", listKind: "BackupList", plural: "backups", singular: "backup" },
    scope: "Namespaced",
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
} as KubeObject;
const backup = {
  apiVersion: "velero.io/v1",
  kind: "Backup",
  metadata: { name: "nightly", namespace: "default" },
  spec: { includedNamespaces: ["*"] },
} as KubeObject;

let flow: ProviderFlow;
let workloadNs: string;
const server = (): KubeObject => deploymentRef(workloadNs, "velero");
const tokenSecret = (): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: "velero-mcp-kubeconfig", namespace: workloadNs },
});

interface PodSpec {
  initContainers?: { name: string; image: string }[];
  imagePullSecrets?: unknown;
}
const podOf = (d: KubeObject | undefined): PodSpec | undefined =>
  (d as { spec?: { template?: { spec?: PodSpec } } } | undefined)?.spec?.template?.spec;

beforeAll(async () => {
  flow = await ProviderFlow.start({
    provider: "velero",
    namespace: `project-x--ws-${id}`,
    name: "my-mcp",
    workload: true,
  });
  await flow.registrySecret(IMAGES);
  await flow.config({
    imagePullSecrets: [{ name: IMAGES }],
    availableImages: [
      { name: "velero", image: "ghcr.io/openmcp-project/images/velero", versions: ["v1.17.0"] },
      {
        name: "velero-plugin-for-aws",
        image: "ghcr.io/openmcp-project/images/velero-plugin-for-aws",
        versions: ["v1.13.0"],
      },
    ],
  });
});

afterAll(async () => {
  await flow.removeFromMcp(backup);
  await flow.stop();
  await KubeClient.for(flow.mcp).delete({ ...BACKUP_CRD, name: BACKUP_CRD.metadata.name });
});

describe("providers/velero", () => {
  it("runs Velero on the workload cluster with its plugins and a token acting on the MCP", async () => {
    await flow.request({
      version: "v1.17.0",
      plugins: [{ name: "velero-plugin-for-aws", version: "v1.13.0" }],
    });
    await flow.ready();
    const api = await read(flow.onboarding, flow.api);
    const instance = api?.metadata.labels?.["velero.services.open-control-plane.io/instance-id"];
    expect(instance).toMatch(/^[a-z2-7]{8}$/);
    workloadNs = `velero-${instance ?? ""}`;
    expect(await flow.onMcp(SA)).toBeDefined();
    const deployment = await flow.onWorkload(server());
    expect(imageOf(deployment)).toBe("ghcr.io/openmcp-project/images/velero:v1.17.0");
    expect(podOf(deployment)?.initContainers?.map((c) => c.image)).toEqual([
      "ghcr.io/openmcp-project/images/velero-plugin-for-aws:v1.13.0",
    ]);
    expect(podOf(deployment)?.imagePullSecrets).toEqual([{ name: IMAGES }]);
    const secret = (await flow.onWorkload(tokenSecret())) as { data?: Record<string, string> } | undefined;
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(secret?.data?.kubeconfig ?? "", "base64").toString("utf8"));
    const review = (await KubeClient.for(kc).send({
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    })) as { status?: { userInfo?: { username?: string } } };
    expect(review.status?.userInfo?.username).toBe("system:serviceaccount:velero:velero");
  });

  it("corrects drift of the server on the workload cluster", async () => {
    await flow.tamper(
      server(),
      { spec: { template: { spec: { containers: [{ name: "velero", image: "registry.invalid/x:6" }] } } } },
      flow.workload,
    );
    await flow.awaitOnWorkload(
      "server image restored",
      server(),
      (d) => imageOf(d) === "ghcr.io/openmcp-project/images/velero:v1.17.0",
    );
  });

  it("blocks deletion while the tenant's Backup exists", async () => {
    await KubeClient.for(flow.mcp).apply(BACKUP_CRD, { manager: "velero" });
    await eventually("Backup accepted", () => apply(flow.mcp, backup));
    const blocked = await flow.deleteBlockedBy(backup);
    expect(blocked.message).toContain("Backup");
    expect(await flow.onWorkload(server())).toBeDefined();
  });

  it("removes everything from both clusters once the Backup is gone", async () => {
    await flow.removeFromMcp(backup);
    await flow.gone();
    expect(await flow.onWorkload(server())).toBeUndefined();
    expect(await flow.onWorkload(tokenSecret())).toBeUndefined();
    expect(await flow.onMcp(SA)).toBeUndefined();
  });
});
