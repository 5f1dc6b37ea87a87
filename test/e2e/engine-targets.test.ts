/**
 * One API object, three target clusters (test/fixtures/targets/descriptor.yaml, the
 * otel-operator / landscaper shape): a CRD unit on the MCP, the operator's helm release on the
 * workload cluster, a ConfigMap on the platform, each reached by its own access. All become
 * Ready and the status lists each object with its location; drift on either target is
 * corrected; a workload cluster that cannot be reached is named in a condition while the MCP
 * side stays deployed and corrected; deletion removes what is on every target.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-tgt-${id}`;
const NAME = "mcp-t";
const GROUP = "tgt.tests.spe.dev";
const RELEASE_NS = "tgt-system";
const GAUGE_CRD = "gauges.tgt.tests.spe.dev";
const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "TargetsDemo",
  metadata: { name: NAME, namespace: NS },
  spec: { message: "hi" },
};
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "tgt-demo" },
  spec: { image: "registry.invalid/demo-service:1.0.0" },
};
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const deploymentRef = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  name: "tgt-operator",
  namespace: RELEASE_NS,
};
const recordRef = { apiVersion: "v1", kind: "ConfigMap", name: `tgt-${NAME}`, namespace: NS };

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Resource {
  apiGroup?: string;
  kind: string;
  name: string;
  phase: string;
  location?: string;
}
interface Status {
  phase?: string;
  conditions?: Condition[];
  resources?: Resource[];
  units?: { name: string; target?: string }[];
  operatorVersion?: string;
}

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let workload: KubeConfig;

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, api)) as { status?: Status } | undefined)?.status;
}

function condition(s: Status | undefined, type: string): Condition | undefined {
  return s?.conditions?.find((c) => c.type === type);
}

function located(s: Status | undefined): string[] {
  return (s?.resources ?? []).map((r) => `${r.location ?? "?"}: ${r.kind} ${r.name}`).sort();
}

const EVERYWHERE = [
  `mcp: CustomResourceDefinition ${GAUGE_CRD}`,
  `platform: ConfigMap tgt-${NAME}`,
  "workload: ConfigMap tgt-operator-config",
  "workload: Deployment tgt-operator",
  "workload: Service tgt-operator",
];

async function ready(what: string): Promise<Status> {
  return eventually(
    what,
    async () => {
      const s = await status();
      return s?.phase === "Ready" ? s : undefined;
    },
    120_000,
  );
}

/** A change as another field manager, as `kubectl scale` makes it. */
async function scale(replicas: number): Promise<void> {
  const client = KubeClient.for(workload);
  await client.send({
    method: "PATCH",
    path: `${await client.path(deploymentRef)}?fieldManager=kubectl-scale`,
    body: { spec: { replicas } },
    contentType: "application/merge-patch+json",
  });
}

async function replicas(): Promise<number | undefined> {
  const d = await KubeClient.for(workload).get(deploymentRef);
  return (d?.spec as { replicas?: number } | undefined)?.replicas;
}

async function deleteGaugeCrd(): Promise<string | undefined> {
  const before = await KubeClient.for(mcp).get({ ...crd, name: GAUGE_CRD });
  await KubeClient.for(mcp).delete({ ...crd, name: GAUGE_CRD });
  return before?.metadata.uid as string | undefined;
}

/** The gauge CRD on the MCP is there again, as another object than `uid`. */
function recreated(uid: string | undefined): Promise<true> {
  return eventually(
    "the gauge CRD re-created on the MCP",
    async () => {
      const now = await KubeClient.for(mcp).get({ ...crd, name: GAUGE_CRD });
      return now && now.metadata.uid !== uid && !now.metadata.deletionTimestamp ? true : undefined;
    },
    90_000,
  );
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  workload = kubeConfigFor("workload");
  engine = await startEngine([await loadProvider("test/fixtures/targets/descriptor.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await grantTarget(NS, `${NAME}-workload`, "workload");
  await apply(platform, config);
});

afterAll(async () => {
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "targetsdemos", configName: "tgt-demo", namespace: NS });
});

describe("one API object deploying to the MCP, a workload cluster and the platform", () => {
  it("deploys each unit to its own target and lists every object with its location", async () => {
    await apply(onboarding, api);
    const s = await ready("API object Ready");
    expect(condition(s, "TargetReachable")).toMatchObject({
      status: "True",
      message: "Target clusters reachable: mcp, workload, platform",
    });
    expect(located(s)).toEqual(EVERYWHERE);
    expect(s.units?.map((u) => `${u.name}@${u.target ?? "?"}`)).toEqual([
      "api@mcp",
      "operator@workload",
      "record@platform",
    ]);
    expect(s.operatorVersion).toBe("1.0.0");
    // Each object is on its target and nowhere else.
    expect(await KubeClient.for(mcp).get({ ...crd, name: GAUGE_CRD })).toBeDefined();
    expect(await KubeClient.for(workload).get({ ...crd, name: GAUGE_CRD })).toBeUndefined();
    expect(await KubeClient.for(workload).get(deploymentRef)).toBeDefined();
    expect(await KubeClient.for(mcp).get(deploymentRef)).toBeUndefined();
    const record = await KubeClient.for(platform).get(recordRef);
    expect(record?.data).toEqual({ operator: "1.0.0" });
    const cm = await KubeClient.for(workload).get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "tgt-operator-config",
      namespace: RELEASE_NS,
    });
    expect(cm?.data).toEqual({ message: "hi from workload" });
  });

  it("corrects drift on the workload cluster and on the MCP", async () => {
    await scale(3);
    await eventually("the operator scaled back to 1 on the workload cluster", async () =>
      (await replicas()) === 1 ? true : undefined,
    );
    await recreated(await deleteGaugeCrd());
    await ready("API object Ready again");
  });

  it("names an unreachable workload cluster and keeps the MCP side deployed and corrected", async () => {
    // The workload cluster's kubeconfig now points at a port nothing listens on.
    const real = await KubeClient.for(platform).get({
      apiVersion: "v1",
      kind: "Secret",
      name: `${NAME}-workload`,
      namespace: NS,
    });
    const broken = Buffer.from((real?.data as { kubeconfig: string }).kubeconfig, "base64")
      .toString("utf8")
      .replace(/server: https:\/\/127\.0\.0\.1:\d+/, "server: https://127.0.0.1:1");
    await apply(platform, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `${NAME}-workload`, namespace: NS },
      stringData: { kubeconfig: broken },
    });
    const s = await eventually(
      "TargetReachable=False naming the workload cluster",
      async () => {
        const st = await status();
        const c = condition(st, "TargetReachable");
        return c?.status === "False" ? st : undefined;
      },
      120_000,
    );
    expect(condition(s, "TargetReachable")?.message).toMatch(/^target workload: /);
    expect(condition(s, "Ready")).toMatchObject({ status: "False" });
    // What is on the workload cluster stays listed as last seen; the MCP side is intact. The
    // platform's unit waits for the operator it depends on, so its object is not listed now.
    expect(located(s)).toEqual(EVERYWHERE.filter((r) => !r.startsWith("platform:")));
    expect(condition(s, "ResourcesReady")).toMatchObject({
      status: "False",
      message: "waiting for operator, record",
    });
    expect(await KubeClient.for(mcp).get({ ...crd, name: GAUGE_CRD })).toBeDefined();
    // The MCP's units are still deployed and corrected meanwhile.
    await recreated(await deleteGaugeCrd());
    // The access fixed, it is Ready again.
    await grantTarget(NS, `${NAME}-workload`, "workload");
    const healed = await ready("API object Ready after the workload access is fixed");
    expect(condition(healed, "TargetReachable")?.status).toBe("True");
  });

  it("removes what it deployed on every target on deletion", { timeout: 180_000 }, async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: api.apiVersion,
      kind: api.kind,
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "API object gone",
      async () => {
        if (!(await read(onboarding, api))) return true;
        // The last observation, for the timeout's message.
        throw new Error(JSON.stringify(condition(await status(), "DeletionBlocked") ?? null));
      },
      120_000,
    );
    expect(await KubeClient.for(workload).get(deploymentRef)).toBeUndefined();
    expect(
      await KubeClient.for(workload).list("v1", "Secret", {
        namespace: RELEASE_NS,
        labelSelector: "owner=helm,name=tgt-operator",
      }),
    ).toHaveLength(0);
    expect(await KubeClient.for(mcp).get({ ...crd, name: GAUGE_CRD })).toBeUndefined();
    expect(await KubeClient.for(platform).get(recordRef)).toBeUndefined();
    expect(
      await KubeClient.for(workload).get({ apiVersion: "v1", kind: "Namespace", name: RELEASE_NS }),
    ).toBeUndefined();
  });
});
