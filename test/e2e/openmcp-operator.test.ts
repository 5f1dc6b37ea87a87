/**
 * spe as an openMCP ServiceProvider, started by the real openmcp-operator v1.3.0 (built from its
 * Go module) on private test clusters, and the seed's validation flow against it:
 * the operator runs `spe init` as its init Job (onboarding access through spe's own
 * AccessRequest, CRDs routed by label, status.resources registered) and `spe run` as its
 * Deployment (Initialized/InitCompleted, Ready/ProviderReady); an API object named like its
 * MCP gets spe's MCP AccessRequest and becomes Ready, the DomainService and its API are on the
 * MCP and work; deleting the API object removes the DomainService and spe's request; deleting
 * the ServiceProvider cleans up. Only the kubelet and the cluster provider are stand-ins.
 */
import { execa, type ResultPromise } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tenantNamespace } from "../../src/engine/openmcp/names.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refOf } from "../../src/engine/openmcp/platform-requests.js";
import { KubeClient } from "../../src/kube/client.js";
import { freePort } from "../env/ports.js";
import { eventually, hasCondition, read } from "./support/kube.js";
import {
  installOpenMcp,
  OPERATOR_NAMESPACE,
  type OpenMcpInstallation,
} from "./support/openmcp/installation.js";
import {
  API_GROUP,
  applyObject,
  condition,
  type Condition,
  demoConfig,
  demoService,
  mcpClusterRequest,
  serviceProvider,
  SP_NAME,
  spStatus,
  Timings,
} from "./support/openmcp/flow.js";

// The MCP of controller-utils' test vector: its tenant namespace is known independently of spe's code.
const NS = "default";
const MCP = "example";
const TENANT = "mcp--2bcf790e-815e-8ea9-857b-15be429583a5";
const CHECKED_TENANT = tenantNamespace({ namespace: NS, name: "checked" });
const repoRoot = resolve(import.meta.dirname, "../..");

/** The spe CLI as a user runs it. */
function spe(args: string[]): ResultPromise<{ reject: false; all: true }> {
  return execa(join(repoRoot, "node_modules/.bin/tsx"), ["src/cli/main.ts", ...args], {
    cwd: repoRoot,
    reject: false,
    all: true,
  });
}
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "demo", namespace: "demo-system" },
};
const widgetCrd = { ...crd, metadata: { name: "widgets.demo.spe.dev" } };

let inst: OpenMcpInstallation;
let stop: (() => Promise<void>) | undefined;
let port: number;
const timings = new Timings();

beforeAll(async () => {
  inst = await timings.step("SETUP: clusters, openMCP CRDs, openmcp-operator, stand-ins", installOpenMcp);
  stop = () => inst.stop();
  port = await freePort();
}, 300_000);

afterAll(async () => {
  timings.print();
  await stop?.();
}, 120_000);

/** What the stand-ins and the pods said, for a failure message. */
function failureHint(): string {
  const pods = inst.kubelet.started.slice(-3).map((p) => {
    const lines = existsSync(p.log) ? readFileSync(p.log, "utf8").trim().split("\n").slice(-8) : [];
    return `--- ${p.pod} (${p.args.join(" ")}):\n${lines.join("\n")}`;
  });
  return [
    "",
    `kubelet: ${inst.kubelet.errors.slice(-3).join(" | ")}`,
    `cluster provider: ${inst.clusterProvider.errors.slice(-3).join(" | ")}`,
    ...pods,
  ].join("\n");
}

describe("spe started by openmcp-operator", () => {
  it("ASSESS: the operator runs spe init and spe run, and the ServiceProvider becomes Ready", async () => {
    await timings.step("ASSESS: ServiceProvider Initialized and Ready", async () => {
      await applyObject(inst.kc.platform, serviceProvider(port));
      const initialized = await eventually(
        "Initialized=True",
        async () => {
          const s = await spStatus(inst.kc.platform);
          return condition(s, "Initialized")?.status === "True" ? s : undefined;
        },
        180_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}${failureHint()}`);
      });
      expect(condition(initialized, "Initialized")?.reason).toBe("InitCompleted");
      const ready = await eventually(
        "Ready=True",
        async () => {
          const s = await spStatus(inst.kc.platform);
          return condition(s, "Ready")?.status === "True" ? s : undefined;
        },
        180_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}${failureHint()}`);
      });
      expect(condition(ready, "Ready")?.reason).toBe("ProviderReady");
      expect(ready.phase).toBe("Ready");
      expect(ready.resources).toEqual([{ group: API_GROUP, version: "v1alpha1", kind: "DemoService" }]);
    });
    // What the kubelet stand-in ran: the operator's args, unchanged.
    expect(inst.kubelet.started[0]?.args).toEqual([
      "init",
      "--environment=e2e",
      "--verbosity=DEBUG",
      `--provider-name=${SP_NAME}`,
    ]);
    expect(inst.kubelet.started.find((p) => p.owner.startsWith("Deployment/"))?.args).toEqual([
      "run",
      "--environment=e2e",
      "--verbosity=DEBUG",
      `--provider-name=${SP_NAME}`,
      `--metrics-bind-address=:${port}`,
      "--metrics-secure=false",
    ]);
    const api = await KubeClient.for(inst.kc.onboarding).get({ ...crd, name: `demoservices.${API_GROUP}` });
    expect(api?.metadata.labels?.["openmcp.cloud/cluster"]).toBe("onboarding");
    const config = await KubeClient.for(inst.kc.platform).get({
      ...crd,
      name: `providerconfigs.${API_GROUP}`,
    });
    expect(config?.metadata.labels?.["openmcp.cloud/cluster"]).toBe("platform");
    // The Deployment counts as ready once its process runs (no probes); spe run then asks for its access.
    const platform = KubeClient.for(inst.kc.platform);
    for (const name of [`${SP_NAME}--onboarding-init`, `${SP_NAME}--onboarding-run`]) {
      for (const kind of ["ClusterRequest", "AccessRequest"]) {
        const request = await eventually(`${kind} ${name}`, () =>
          platform.get({
            apiVersion: "clusters.openmcp.cloud/v1alpha1",
            kind,
            name,
            namespace: OPERATOR_NAMESPACE,
          }),
        );
        expect(request.metadata.labels, `${kind} ${name}`).toEqual({ "openmcp.cloud/managed-by": SP_NAME });
      }
    }
    await eventually("spe run serving /healthz", async () => {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    });
  }, 400_000);

  it("ASSESS: an API object named like its MCP becomes Ready; the DomainService and its API are on the MCP", async () => {
    await timings.step("ASSESS: API object Ready, DomainService and DomainServiceAPI available", async () => {
      // What the ControlPlane controller would have made: the tenant namespace and the MCP's ClusterRequest.
      await applyObject(inst.kc.platform, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: TENANT },
      });
      await applyObject(inst.kc.platform, mcpClusterRequest(TENANT, MCP));
      await applyObject(inst.kc.platform, demoConfig());
      await applyObject(inst.kc.onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
      await applyObject(inst.kc.onboarding, demoService(NS, MCP));
      const ready = await eventually(
        "DemoService Ready",
        async () => {
          const obj = await KubeClient.for(inst.kc.onboarding).get(refOf(demoService(NS, MCP)));
          return hasCondition(obj, "Ready") ? obj : undefined;
        },
        180_000,
      ).catch(async (err: unknown) => {
        const obj = await KubeClient.for(inst.kc.onboarding).get(refOf(demoService(NS, MCP)));
        throw new Error(`${String(err)}: ${JSON.stringify(obj?.status)}${failureHint()}`);
      });
      expect(ready).toBeDefined();
      expect(hasCondition(await read(inst.kc.mcp, deployment), "Available")).toBe(true);
      expect(hasCondition(await read(inst.kc.mcp, widgetCrd), "Established")).toBe(true);
    });
    const request = await KubeClient.for(inst.kc.platform).get({
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "AccessRequest",
      name: `${SP_NAME}--${MCP}--mcp`,
      namespace: TENANT,
    });
    expect(request?.metadata).toMatchObject({
      labels: {
        "openmcp.cloud/managed-by": SP_NAME,
        "openmcp.cloud/managed-purpose": `${NS}.${MCP}.mcp`,
        "openmcp.cloud/onboarding-name": MCP,
        "openmcp.cloud/onboarding-namespace": NS,
      },
      finalizers: ["clusters.openmcp.cloud/clusteraccess"],
    });
    expect(request?.spec).toMatchObject({ requestRef: { name: MCP, namespace: TENANT } });
  }, 240_000);

  it("ASSESS: a DomainServiceAPI object works on the MCP", async () => {
    await timings.step("ASSESS: DomainServiceAPI object created", async () => {
      await applyObject(inst.kc.mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
      await applyObject(inst.kc.mcp, {
        apiVersion: "demo.spe.dev/v1",
        kind: "Widget",
        metadata: { name: "w1", namespace: "team" },
        spec: { size: 3 },
      });
      expect(
        await read(inst.kc.mcp, {
          apiVersion: "demo.spe.dev/v1",
          kind: "Widget",
          metadata: { name: "w1", namespace: "team" },
        }),
      ).toBeDefined();
    });
  });

  it("ASSESS: deleting the API object removes the DomainService, its API and spe's AccessRequest", async () => {
    await timings.step("ASSESS: API object deleted, DomainService and DomainServiceAPI removed", async () => {
      await KubeClient.for(inst.kc.mcp).delete({
        apiVersion: "demo.spe.dev/v1",
        kind: "Widget",
        name: "w1",
        namespace: "team",
      });
      await KubeClient.for(inst.kc.onboarding).delete({
        apiVersion: `${API_GROUP}/v1alpha1`,
        kind: "DemoService",
        name: MCP,
        namespace: NS,
      });
      await eventually(
        "API object gone",
        async () => ((await read(inst.kc.onboarding, demoService(NS, MCP))) ? undefined : true),
        120_000,
      );
    });
    expect(await read(inst.kc.mcp, deployment)).toBeUndefined();
    expect(await read(inst.kc.mcp, widgetCrd)).toBeUndefined();
    const platform = KubeClient.for(inst.kc.platform);
    const clusters = "clusters.openmcp.cloud/v1alpha1";
    expect(
      await platform.get({
        apiVersion: clusters,
        kind: "AccessRequest",
        name: `${SP_NAME}--${MCP}--mcp`,
        namespace: TENANT,
      }),
    ).toBeUndefined();
    // The MCP's own ClusterRequest belongs to the ControlPlane controller: never touched.
    expect(
      await platform.get({ apiVersion: clusters, kind: "ClusterRequest", name: MCP, namespace: TENANT }),
    ).toBeDefined();
  }, 180_000);

  it("spe validate runs the validation flow against this installation (JSON), and fails with a reason", async () => {
    await applyObject(inst.kc.platform, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: CHECKED_TENANT },
    });
    await applyObject(inst.kc.platform, mcpClusterRequest(CHECKED_TENANT, "checked"));
    const dir = await mkdtemp(join(tmpdir(), "spe-validate-"));
    const write = async (name: string, obj: unknown): Promise<string> => {
      await writeFile(join(dir, name), JSON.stringify(obj));
      return join(dir, name);
    };
    const clusters = inst.env.clusters;
    const flags = [
      `--platform-kubeconfig=${clusters.platform.kubeconfigPath}`,
      `--onboarding-kubeconfig=${clusters.onboarding.kubeconfigPath}`,
      `--target-kubeconfig=${clusters.mcp.kubeconfigPath}`,
    ];
    const widget = {
      apiVersion: "demo.spe.dev/v1",
      kind: "Widget",
      metadata: { name: "probe", namespace: "team" },
      spec: { size: 1 },
    };
    const passed = await spe([
      "validate",
      "providers/demo/descriptor.yaml",
      await write("sample.yaml", demoService(NS, "checked")),
      ...flags,
      `--domain-sample=${await write("widget.yaml", widget)}`,
      "--format=json",
    ]);
    expect(passed.exitCode, passed.all).toBe(0);
    const report = JSON.parse(passed.stdout) as {
      ok: boolean;
      steps: { phase: string; name: string; status: string; seconds: number }[];
    };
    for (const s of report.steps)
      console.log(
        `spe validate: ${s.phase.padEnd(8)} ${s.seconds.toFixed(1).padStart(5)} s  ${s.status}  ${s.name}`,
      );
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => `${s.phase} ${s.status}`)).toEqual([
      "SETUP ok",
      "SETUP ok",
      "SETUP ok",
      "ASSESS ok",
      "ASSESS ok",
      "ASSESS ok",
      "ASSESS ok",
      "ASSESS ok",
      "TEARDOWN ok",
    ]);
    const failed = await spe([
      "validate",
      "providers/demo/descriptor.yaml",
      await write("bad.yaml", { ...demoService(NS, "checked"), spec: { version: "9.9" } }),
      ...flags,
    ]);
    expect(failed.exitCode, failed.all).toBe(1);
    expect(failed.stdout).toMatch(
      /^ASSESS +[\d.]+ s {2}FAILED {2}DemoService default\/checked Ready \(DemoService default\/checked is not Ready: InvalidInput: .*9\.9/m,
    );
    expect(failed.stdout).toMatch(/^TEARDOWN +[\d.]+ s {2}ok /m);
    expect(failed.stdout).toMatch(/^validation failed after/m);
    await rm(dir, { recursive: true, force: true });
  }, 300_000);

  it("ASSESS: deleting a ControlPlane deletes its API object through the registered kinds, and spe removes the DomainService", async () => {
    await inst.startControlPlaneController();
    const controlPlane = {
      apiVersion: "core.open-control-plane.io/v2alpha1",
      kind: "ControlPlane",
      metadata: { name: "cascade", namespace: NS },
      spec: { iam: {} },
    };
    const onboarding = KubeClient.for(inst.kc.onboarding);
    await timings.step("ASSESS: ControlPlane deleted, its API object and DomainService removed", async () => {
      await applyObject(inst.kc.onboarding, controlPlane);
      await eventually(
        "ControlPlane Ready",
        async () =>
          ((await onboarding.get(refOf(controlPlane)))?.status as { phase?: string } | undefined)?.phase ===
          "Ready"
            ? true
            : undefined,
        120_000,
      );
      await applyObject(inst.kc.onboarding, demoService(NS, "cascade"));
      await eventually("DemoService Ready", async () =>
        hasCondition(await onboarding.get(refOf(demoService(NS, "cascade"))), "Ready") ? true : undefined,
      );
      await onboarding.delete(refOf(controlPlane));
      await eventually("DemoService deleted by the ControlPlane controller", async () =>
        (await onboarding.get(refOf(demoService(NS, "cascade")))) ? undefined : true,
      );
      // The controller goes on to the MCP's requests, Cluster and namespace: not spe's part (and no
      // namespace controller runs on this platform cluster); what it says about the services is.
      const services = await eventually("AllServicesDeleted=True", async () => {
        const cp = await onboarding.get(refOf(controlPlane));
        const c = condition(cp?.status as { conditions?: Condition[] } | undefined, "AllServicesDeleted");
        return c?.status === "True" ? c : undefined;
      });
      expect(services.message).toBe("All service resources have been deleted");
      const tenant = tenantNamespace({ namespace: NS, name: "cascade" });
      expect(
        await KubeClient.for(inst.kc.platform).get({
          apiVersion: "clusters.openmcp.cloud/v1alpha1",
          kind: "AccessRequest",
          name: `${SP_NAME}--cascade--mcp`,
          namespace: tenant,
        }),
      ).toBeUndefined();
    });
    expect(await read(inst.kc.mcp, deployment)).toBeUndefined();
    expect(await read(inst.kc.mcp, widgetCrd)).toBeUndefined();
  }, 300_000);

  it("TEARDOWN: deleting the ServiceProvider removes what the operator deployed and stops spe", async () => {
    await timings.step("TEARDOWN: ServiceProvider deleted and cleaned up", async () => {
      await KubeClient.for(inst.kc.platform).delete({
        apiVersion: "openmcp.cloud/v1alpha1",
        kind: "ServiceProvider",
        name: SP_NAME,
      });
      await eventually(
        "ServiceProvider gone",
        async () => ((await spStatus(inst.kc.platform)) === undefined ? true : undefined),
        60_000,
      );
      const platform = KubeClient.for(inst.kc.platform);
      await eventually("Deployment and Job gone", async () => {
        const d = await platform.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: `sp-${SP_NAME}`,
          namespace: OPERATOR_NAMESPACE,
        });
        const j = await platform.get({
          apiVersion: "batch/v1",
          kind: "Job",
          name: `sp-${SP_NAME}-init`,
          namespace: OPERATOR_NAMESPACE,
        });
        return d === undefined && j === undefined ? true : undefined;
      });
      await eventually("spe run stopped", async () => {
        try {
          await fetch(`http://127.0.0.1:${port}/healthz`);
          return undefined;
        } catch {
          return true;
        }
      });
    });
  });
});
