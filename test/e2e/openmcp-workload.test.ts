/**
 * Two ServiceProviders of spe side by side under the real openmcp-operator: `demo` (the
 * descriptor packaged in providers/) and `wl-demo` (a descriptor mounted through
 * SPE_DESCRIPTORS) whose DomainService goes to a workload cluster. Both serve the same MCP:
 * each gets its own onboarding requests and MCP AccessRequest; wl-demo also a workload
 * ClusterRequest and AccessRequest, and its release lands on the workload cluster. Deleting
 * its API object removes its requests (the workload ClusterRequest too) and leaves demo's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { refOf } from "../../src/engine/openmcp/platform-requests.js";
import { KubeClient } from "../../src/kube/client.js";
import { freePort } from "../env/ports.js";
import { eventually } from "./support/kube.js";
import {
  installOpenMcp,
  OPERATOR_NAMESPACE,
  type OpenMcpInstallation,
} from "./support/openmcp/installation.js";
import {
  applyObject,
  condition,
  demoConfig,
  demoService,
  mcpClusterRequest,
  serviceProvider,
  spStatus,
  type Condition,
} from "./support/openmcp/flow.js";

const NS = "default";
const MCP = "example";
const TENANT = "mcp--2bcf790e-815e-8ea9-857b-15be429583a5";
const CLUSTERS = "clusters.openmcp.cloud/v1alpha1";
const workloadDemo: KubeObject = {
  apiVersion: "wl.tests.spe.dev/v1alpha1",
  kind: "WorkloadDemo",
  metadata: { name: MCP, namespace: NS },
  spec: { message: "on the workload cluster" },
};
const wlConfig: KubeObject = {
  apiVersion: "wl.tests.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "wl-demo" },
  spec: { image: "registry.invalid/demo-service:1.0.0" },
};

let inst: OpenMcpInstallation;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  inst = await installOpenMcp({ workload: true });
  stop = () => inst.stop();
}, 300_000);

afterAll(async () => {
  await stop?.();
}, 120_000);

async function ready(obj: KubeObject): Promise<void> {
  await eventually(
    `${obj.kind} Ready`,
    async () => {
      const live = await KubeClient.for(inst.kc.onboarding).get(refOf(obj));
      const c = condition(live?.status as { conditions?: Condition[] } | undefined, "Ready");
      return c?.status === "True" ? true : undefined;
    },
    180_000,
  );
}

function request(kind: string, name: string, namespace = TENANT): Promise<KubeObject | undefined> {
  return KubeClient.for(inst.kc.platform).get({ apiVersion: CLUSTERS, kind, name, namespace });
}

describe("two ServiceProviders of spe, one deploying to a workload cluster", () => {
  it("both become Ready, each with its own requests", async () => {
    await applyObject(inst.kc.platform, serviceProvider(await freePort()));
    await applyObject(
      inst.kc.platform,
      serviceProvider(
        await freePort(),
        [{ name: "SPE_DESCRIPTORS", value: "test/fixtures/descriptors/workload.yaml" }],
        "wl-demo",
      ),
    );
    for (const name of ["demo", "wl-demo"]) {
      const status = await eventually(
        `ServiceProvider ${name} Ready`,
        async () => {
          const s = await spStatus(inst.kc.platform, name);
          return condition(s, "Ready")?.status === "True" ? s : undefined;
        },
        240_000,
      );
      expect(condition(status, "Initialized")?.reason).toBe("InitCompleted");
      await eventually(`${name}'s onboarding-run AccessRequest`, () =>
        request("AccessRequest", `${name}--onboarding-run`, OPERATOR_NAMESPACE),
      );
    }
    expect((await spStatus(inst.kc.platform, "wl-demo"))?.resources).toEqual([
      { group: "wl.tests.spe.dev", version: "v1alpha1", kind: "WorkloadDemo" },
    ]);
  }, 400_000);

  it("serve the same MCP; wl-demo's DomainService lands on the workload cluster", async () => {
    await applyObject(inst.kc.platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: TENANT } });
    await applyObject(inst.kc.platform, mcpClusterRequest(TENANT, MCP));
    await applyObject(inst.kc.platform, demoConfig());
    await applyObject(inst.kc.platform, wlConfig);
    await applyObject(inst.kc.onboarding, demoService(NS, MCP));
    await applyObject(inst.kc.onboarding, workloadDemo);
    await ready(demoService(NS, MCP));
    await ready(workloadDemo);
    for (const name of ["demo--example--mcp", "wl-demo--example--mcp", "wl-demo--example--wl"])
      expect(await request("AccessRequest", name), name).toBeDefined();
    const wl = await request("ClusterRequest", "wl-demo--example--wl");
    expect(wl?.spec).toEqual({ purpose: "workload" });
    expect(wl?.metadata.labels?.["openmcp.cloud/managed-purpose"]).toBe("default.example.workload");
    const release = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "wl-demo",
      namespace: "wl-demo-system",
    };
    expect(await KubeClient.for(inst.kc.workload!).get(release)).toBeDefined();
    expect(await KubeClient.for(inst.kc.mcp).get(release)).toBeUndefined();
    expect(
      await KubeClient.for(inst.kc.mcp).get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "demo",
        namespace: "demo-system",
      }),
    ).toBeDefined();
  }, 300_000);

  it("deleting wl-demo's API object removes its AccessRequests and workload ClusterRequest, and nothing of demo's", async () => {
    await KubeClient.for(inst.kc.onboarding).delete(refOf(workloadDemo));
    await eventually(
      "WorkloadDemo gone",
      async () => ((await KubeClient.for(inst.kc.onboarding).get(refOf(workloadDemo))) ? undefined : true),
      120_000,
    );
    expect(await request("AccessRequest", "wl-demo--example--mcp")).toBeUndefined();
    expect(await request("AccessRequest", "wl-demo--example--wl")).toBeUndefined();
    expect(await request("ClusterRequest", "wl-demo--example--wl")).toBeUndefined();
    expect(await request("AccessRequest", "demo--example--mcp")).toBeDefined();
    expect(await request("ClusterRequest", MCP)).toBeDefined();
    expect(
      await KubeClient.for(inst.kc.workload!).get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "wl-demo",
        namespace: "wl-demo-system",
      }),
    ).toBeUndefined();
  }, 180_000);
});
