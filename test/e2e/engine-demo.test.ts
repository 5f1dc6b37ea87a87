/**
 * The seed's validation flow on real clusters, for the demo provider (a helm
 * unit with the demo-service chart plus a manifests unit that depends on it):
 * CRDs appear, an API object makes the DomainService Available on mcp, drift
 * is corrected with an event naming the field, a version bump upgrades,
 * deletion is blocked while Widgets exist and then removes everything.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { helmOperationCount } from "../../src/plugins/helm/index.js";
import { createMetrics } from "../../src/engine/runtime/metrics.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, loadProvider, startEngine } from "./support/engine.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";
import { KubeClient } from "../../src/kube/client.js";

const NS = "tenant-a";
const NAME = "mcp-a";
const api = (spec: Record<string, unknown>) => ({
  apiVersion: "demo.services.spe.dev/v1alpha1",
  kind: "DemoService",
  metadata: { name: NAME, namespace: NS },
  spec,
});
const config = {
  apiVersion: "demo.services.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "demo" },
  spec: {
    pollInterval: "1m",
    versions: [
      { version: "1.0", image: "registry.invalid/demo-service:1.0.0" },
      { version: "1.1", image: "registry.invalid/demo-service:1.1.0" },
    ],
  },
};
const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "demo", namespace: "demo-system" },
};

type Status = {
  phase?: string;
  version?: string;
  drift?: { field: string; manager?: string; object: { kind: string; name: string } }[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
};
type Obj = { status?: Status; metadata: { name: string } };

let engine: Engine;
const metrics = createMetrics({ processMetrics: false });

/** The sum of a metric's samples whose labels contain every given label. */
async function metricSum(name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as {
    value: number;
    labels: Record<string, unknown>;
    metricName?: string;
  }[];
  return values
    .filter((v) => (v.metricName ?? name) === (name.endsWith("_seconds") ? `${name}_count` : name))
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}
/** Steady state: no reconcile of the demo provider for a second and a half. */
async function quiet(): Promise<void> {
  let last = -1;
  await eventually(
    "no reconcile for 1.5 s",
    async () => {
      const now = await metricSum("controller_runtime_reconcile_total", { controller: "demo" });
      const settled = now === last;
      last = now;
      return settled ? true : undefined;
    },
    30_000,
    1_500,
  );
}

let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function apiStatus(): Promise<Status | undefined> {
  return ((await read(onboarding, api({}))) as Obj | undefined)?.status;
}

function condition(status: Status | undefined, type: string) {
  return status?.conditions?.find((c) => c.type === type);
}

/** Events about the current API object (by uid: clusters may be reused across runs). */
async function events(reason: string): Promise<string[]> {
  const uid =
    ((await read(onboarding, api({}))) as { metadata: { uid?: string } } | undefined)?.metadata.uid ?? "";
  const list = (await KubeClient.for(onboarding).send({
    method: "GET",
    path: `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.uid=${uid}`,
  })) as { items: { reason: string; message: string }[] };
  return list.items.filter((e) => e.reason === reason).map((e) => e.message);
}

function kubectl(...args: string[]) {
  return execa(testEnv().binaries.kubectl, ["--kubeconfig", testEnv().clusters.mcp.kubeconfigPath, ...args]);
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("providers/demo/descriptor.yaml")], { metrics });
  // Clusters may be reused across runs (SPE_TESTENV): start without a config.
  await KubeClient.for(platform).delete({ apiVersion: config.apiVersion, kind: config.kind, name: "demo" });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  // A Widget CRD another test left would be someone else's to spe, and stay after deletion.
  const widgets = {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "widgets.demo.spe.dev",
  };
  await KubeClient.for(mcp).delete(widgets);
  await eventually("no Widget CRD on the mcp", async () =>
    (await KubeClient.for(mcp).get(widgets)) ? undefined : true,
  );
});

afterAll(async () => {
  await KubeClient.for(platform).delete({ apiVersion: config.apiVersion, kind: config.kind, name: "demo" });
  await engine.stop();
});

describe("demo provider on the mcp cluster", () => {
  it("serves the API CRD on onboarding and the config CRD on platform", async () => {
    const apiCrd = await read(onboarding, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "demoservices.demo.services.spe.dev" },
    });
    const configCrd = await read(platform, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "providerconfigs.demo.services.spe.dev" },
    });
    expect(hasCondition(apiCrd, "Established")).toBe(true);
    expect(hasCondition(configCrd, "Established")).toBe(true);
  });

  it("keeps an object without a ProviderConfig Progressing with openMCP's message", async () => {
    await apply(onboarding, api({ version: "1.0" }));
    const status = await eventually("ConfigResolved=False", async () => {
      const s = await apiStatus();
      return condition(s, "ConfigResolved")?.status === "False" ? s : undefined;
    });
    expect(status.phase).toBe("Progressing");
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "ReconcileError" });
    expect(condition(status, "ConfigResolved")?.message).toMatch(/^No ProviderConfig found/);
  });

  it("deploys the DomainService once the config exists and reports Ready", async () => {
    await apply(platform, config);
    const status = await eventually(
      "API object Ready",
      async () => {
        const s = await apiStatus();
        return s?.phase === "Ready" ? s : undefined;
      },
      90_000,
    );
    expect(condition(status, "Ready")).toMatchObject({ status: "True", reason: "ReconcileSuccess" });
    expect(status).toMatchObject({ version: "1.0", chartVersion: "1.0.0" });
    expect(hasCondition(await read(mcp, deployment), "Available")).toBe(true);
    const crd = await read(mcp, {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.demo.spe.dev" },
    });
    expect(hasCondition(crd, "Established")).toBe(true);
    const welcome = (await read(mcp, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "welcome", namespace: "demo-system" },
    })) as { data?: Record<string, string> } | undefined;
    expect(welcome?.data).toMatchObject({ owner: `${NS}/${NAME}`, chartVersion: "1.0.0" });
    expect(await metricSum("spe_helm_operation_duration_seconds", { operation: "upgrade" })).toBeGreaterThan(
      0,
    );
    expect(await metricSum("controller_runtime_reconcile_total", { controller: "demo" })).toBeGreaterThan(0);
  });

  it("lets end users create DomainServiceAPI objects on the mcp", async () => {
    await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
    await apply(mcp, {
      apiVersion: "demo.spe.dev/v1",
      kind: "Widget",
      metadata: { name: "w1", namespace: "team" },
      spec: { size: 3 },
    });
    expect(
      await read(mcp, {
        apiVersion: "demo.spe.dev/v1",
        kind: "Widget",
        metadata: { name: "w1", namespace: "team" },
      }),
    ).toBeDefined();
  });

  it("runs no helm operation and sends no request in steady state", async () => {
    await quiet();
    const before = helmOperationCount();
    const requestsBefore = await metricSum("rest_client_requests_total", {});
    const reconcilesBefore = await metricSum("controller_runtime_reconcile_total", { controller: "demo" });
    engine.enqueueAll();
    await eventually("a resync", async () =>
      (await metricSum("controller_runtime_reconcile_total", { controller: "demo" })) > reconcilesBefore
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect(helmOperationCount() - before).toBe(0);
    // Nothing changed: the API object, its config and kubeconfig Secret, the release and every
    // deployed object come from the watches, and an unchanged status is not written.
    expect(await metricSum("rest_client_requests_total", {})).toBe(requestsBefore);
  });

  it("corrects an out-of-band edit within seconds and names the field in an event", async () => {
    const helmBefore = helmOperationCount();
    await kubectl("scale", "deployment/demo", "-n", "demo-system", "--replicas=3");
    const started = Date.now();
    await eventually(
      "replicas back to 1",
      async () => {
        const d = (await read(mcp, deployment)) as { spec?: { replicas?: number } } | undefined;
        return d?.spec?.replicas === 1 ? true : undefined;
      },
      30_000,
      100,
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    // Drift of an unchanged plan is put back by server-side apply, without a helm upgrade.
    expect(helmOperationCount() - helmBefore).toBe(0);
    const messages = await eventually("DriftCorrected event", async () => {
      const m = await events("DriftCorrected");
      return m.some((x) => x.includes(".spec.replicas")) ? m : undefined;
    });
    expect(messages.join("\n")).toMatch(
      /Deployment demo-system\/demo: .*\.spec\.replicas changed by kubectl/,
    );
    const drift = await eventually("drift recorded in status", async () => (await apiStatus())?.drift?.[0]);
    expect(drift).toMatchObject({ field: ".spec.replicas", object: { kind: "Deployment", name: "demo" } });
    expect(drift.manager).toMatch(/kubectl/);
  });

  it("re-creates a deleted Deployment, taking the watch's word that it is gone", async () => {
    await quiet();
    const notFoundBefore = await metricSum("rest_client_requests_total", { method: "GET", code: "404" });
    await kubectl("delete", "deployment/demo", "-n", "demo-system", "--wait=false");
    await eventually(
      "Deployment re-created and Available",
      async () => {
        const d = await read(mcp, deployment);
        return d &&
          !(d.metadata as { deletionTimestamp?: string }).deletionTimestamp &&
          hasCondition(d, "Available")
          ? d
          : undefined;
      },
      60_000,
    );
    // The watch's delete event is what says the Deployment is missing: no GET asks again.
    expect(await metricSum("rest_client_requests_total", { method: "GET", code: "404" })).toBe(
      notFoundBefore,
    );
  });

  it("reports an unknown version precisely and leaves the deployed release alone", async () => {
    await apply(onboarding, api({ version: "9.9" }));
    const status = await eventually("Deployed=False", async () => {
      const s = await apiStatus();
      return condition(s, "Deployed")?.status === "False" ? s : undefined;
    });
    expect(condition(status, "Deployed")?.message).toMatch(/9\.9/);
    expect(condition(status, "Deployed")?.message).toMatch(/1\.0/);
    expect(hasCondition(await read(mcp, deployment), "Available")).toBe(true);
  });

  it("upgrades the release on a version bump", async () => {
    await apply(onboarding, api({ version: "1.1" }));
    await eventually(
      "Ready at 1.1",
      async () => {
        const s = await apiStatus();
        return s?.phase === "Ready" && s.version === "1.1" ? s : undefined;
      },
      60_000,
    );
    const releases = (await KubeClient.for(mcp).list("v1", "Secret", {
      namespace: "demo-system",
      labelSelector: "owner=helm,name=demo",
    })) as { metadata: { labels?: Record<string, string> } }[];
    expect(releases.map((r) => r.metadata.labels?.version).sort()).toContain("2");
  });

  it("blocks deletion while Widgets exist, then removes the DomainService and its API", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: "demo.services.spe.dev/v1alpha1",
      kind: "DemoService",
      name: NAME,
      namespace: NS,
    });
    const blocked = await eventually("DeletionBlocked", async () => {
      const s = await apiStatus();
      return condition(s, "DeletionBlocked")?.status === "True" ? s : undefined;
    });
    expect(blocked.phase).toBe("Terminating");
    expect(condition(blocked, "DeletionBlocked")).toMatchObject({ reason: "UserResourcesPresent" });
    expect(condition(blocked, "DeletionBlocked")?.message).toMatch(/team\/w1/);
    expect(await read(mcp, deployment)).toBeDefined();

    await KubeClient.for(mcp).delete({
      apiVersion: "demo.spe.dev/v1",
      kind: "Widget",
      name: "w1",
      namespace: "team",
    });
    await eventually(
      "API object gone",
      async () => ((await read(onboarding, api({}))) ? undefined : true),
      90_000,
    );
    expect(await read(mcp, deployment)).toBeUndefined();
    expect(
      await read(mcp, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "welcome", namespace: "demo-system" },
      }),
    ).toBeUndefined();
    expect(
      await read(mcp, {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: "widgets.demo.spe.dev" },
      }),
    ).toBeUndefined();
  });
});
