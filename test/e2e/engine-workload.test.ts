/**
 * A descriptor whose target is the workload cluster: the DomainService lands
 * there (Deployment Available), the object reports Ready, the mcp cluster is
 * left untouched, and deletion removes the release again.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-wl-${id}`;
const NAME = "mcp-w";
const RELEASE_NS = "wl-demo-system";
const api = {
  apiVersion: "wl.tests.spe.dev/v1alpha1",
  kind: "WorkloadDemo",
  metadata: { name: NAME, namespace: NS },
  spec: { message: "on the workload cluster" },
};
const config = {
  apiVersion: "wl.tests.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "wl-demo" },
  spec: { image: "registry.invalid/demo-service:1.0.0" },
};
const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "wl-demo", namespace: RELEASE_NS },
};
type Status = { phase?: string; chartVersion?: string; conditions?: { type: string; status: string }[] };

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let workload: KubeConfig;
let mcp: KubeConfig;

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, api)) as { status?: Status } | undefined)?.status;
}

function releases(kc: KubeConfig): Promise<unknown[]> {
  return KubeClient.for(kc).list("v1", "Secret", {
    namespace: RELEASE_NS,
    labelSelector: "owner=helm,name=wl-demo",
  });
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  workload = kubeConfigFor("workload");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/workload.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-workload`, "workload");
  await apply(platform, config);
});

afterAll(async () => {
  await engine.stop();
  await removeProvider({
    group: "wl.tests.spe.dev",
    apiPlural: "workloaddemos",
    configName: "wl-demo",
    namespace: NS,
  });
});

describe("a provider targeting the workload cluster", () => {
  it("deploys the DomainService to the workload cluster and reports Ready", async () => {
    await apply(onboarding, api);
    const s = await eventually(
      "API object Ready",
      async () => {
        const st = await status();
        return st?.phase === "Ready" ? st : undefined;
      },
      90_000,
    );
    expect(hasCondition({ ...api, status: s }, "TargetReachable")).toBe(true);
    expect(s.chartVersion).toBe("1.0.0");
    expect(hasCondition(await read(workload, deployment), "Available")).toBe(true);
    const cm = (await read(workload, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "wl-demo-config", namespace: RELEASE_NS },
    })) as { data?: Record<string, string> } | undefined;
    expect(cm?.data).toEqual({ message: "on the workload cluster" });
  });

  it("deploys nothing to the mcp cluster", async () => {
    expect(await read(mcp, deployment)).toBeUndefined();
    expect(
      await read(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: RELEASE_NS } }),
    ).toBeUndefined();
    expect(await releases(workload)).toHaveLength(1);
  });

  it("removes the release from the workload cluster on deletion", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: api.apiVersion,
      kind: api.kind,
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "API object gone",
      async () => ((await read(onboarding, api)) ? undefined : true),
      90_000,
    );
    expect(await read(workload, deployment)).toBeUndefined();
    expect(await releases(workload)).toHaveLength(0);
  });
});
