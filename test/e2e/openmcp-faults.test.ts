/**
 * Faults of the openMCP protocol, with the real openmcp-operator and the stand-ins:
 * onboarding access denied to `spe init` (the Job fails with one clear line, and succeeds once
 * granted, with the operator restarted in between); an MCP AccessRequest never granted or
 * denied (a clear condition on the API object, Ready once granted); the granted Secret
 * deleted (spe asks for it again, the deployed service stays); credentials that expire
 * (renewed before their expirationTimestamp); `init` run again (idempotent).
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tenantNamespace } from "../../src/engine/openmcp/names.js";
import { refOf } from "../../src/engine/openmcp/platform-requests.js";
import { KubeClient } from "../../src/kube/client.js";
import { freePort } from "../env/ports.js";
import { eventually } from "./support/kube.js";
import {
  installOpenMcp,
  OPERATOR_NAMESPACE,
  type OpenMcpInstallation,
} from "./support/openmcp/installation.js";
import type { StartedPod } from "./support/openmcp/kubelet.js";
import {
  applyObject,
  condition,
  demoConfig,
  demoService,
  mcpClusterRequest,
  serviceProvider,
  SP_NAME,
  spStatus,
  type Condition,
} from "./support/openmcp/flow.js";

const NS = "default";
const INIT_REQUEST = `${OPERATOR_NAMESPACE}/${SP_NAME}--onboarding-init`;

let inst: OpenMcpInstallation;
let stop: (() => Promise<void>) | undefined;
let port: number;

beforeAll(async () => {
  inst = await installOpenMcp();
  stop = () => inst.stop();
  port = await freePort();
}, 300_000);

afterAll(async () => {
  await stop?.();
}, 120_000);

function logOf(pod: StartedPod): string {
  return existsSync(pod.log) ? readFileSync(pod.log, "utf8") : "";
}

/** An MCP as the ControlPlane controller leaves it for providers: its tenant namespace and ClusterRequest. */
async function prepareMcp(name: string): Promise<string> {
  const tenant = tenantNamespace({ namespace: NS, name });
  await applyObject(inst.kc.platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: tenant } });
  await applyObject(inst.kc.platform, mcpClusterRequest(tenant, name));
  return tenant;
}

async function apiCondition(name: string, type: string): Promise<Condition | undefined> {
  const obj = await KubeClient.for(inst.kc.onboarding).get(refOf(demoService(NS, name)));
  return condition(obj?.status as { conditions?: Condition[] } | undefined, type);
}

async function readyObject(name: string): Promise<void> {
  await eventually(
    `${name} Ready`,
    async () => ((await apiCondition(name, "Ready"))?.status === "True" ? true : undefined),
    120_000,
  );
}

describe("openMCP faults", () => {
  it("init fails its Job with one clear line while onboarding access is denied, and succeeds once granted", async () => {
    inst.clusterProvider.deny.set(INIT_REQUEST, "not in this environment");
    await applyObject(inst.kc.platform, serviceProvider(port));
    const failed = await eventually(
      "a failed init pod",
      () => inst.kubelet.started.find((p) => p.args[0] === "init" && p.exitCode !== undefined),
      120_000,
    );
    expect(failed.exitCode).toBe(1);
    const stderr = logOf(failed)
      .trim()
      .split("\n")
      .filter((l) => l.startsWith("spe init:"));
    expect(stderr).toEqual([
      `spe init: onboarding access: AccessRequest ${INIT_REQUEST} was denied: not in this environment`,
    ]);
    expect(condition(await spStatus(inst.kc.platform), "Initialized")?.status).not.toBe("True");
    // The operator restarted while init keeps failing: it picks the Job up again.
    await inst.restartOperator();
    inst.clusterProvider.deny.delete(INIT_REQUEST);
    await eventually(
      "Initialized and Ready",
      async () => {
        const s = await spStatus(inst.kc.platform);
        return condition(s, "Initialized")?.status === "True" && condition(s, "Ready")?.status === "True"
          ? s
          : undefined;
      },
      240_000,
    );
    expect(inst.kubelet.started.some((p) => p.args[0] === "init" && p.exitCode === 0)).toBe(true);
    await applyObject(inst.kc.platform, demoConfig());
  }, 400_000);

  it("an MCP AccessRequest never granted says so in TargetReachable, and the object becomes Ready once granted", async () => {
    const tenant = await prepareMcp("held");
    inst.clusterProvider.hold.add(`${tenant}/${SP_NAME}--held--mcp`);
    await applyObject(inst.kc.onboarding, demoService(NS, "held"));
    const pending = await eventually("AccessRequestPending", async () => {
      const c = await apiCondition("held", "TargetReachable");
      return c?.reason === "AccessRequestPending" ? c : undefined;
    });
    expect(pending.status).toBe("False");
    expect(pending.message).toBe(
      `AccessRequest ${tenant}/${SP_NAME}--held--mcp is not granted yet (no phase yet)`,
    );
    expect((await apiCondition("held", "Ready"))?.status).toBe("False");
    inst.clusterProvider.hold.delete(`${tenant}/${SP_NAME}--held--mcp`);
    // Granted: spe sees it through its watch of the request (or its 10 s retry at the latest).
    await readyObject("held");
  }, 200_000);

  it("a denied MCP AccessRequest says who denied what", async () => {
    const tenant = await prepareMcp("denied");
    inst.clusterProvider.deny.set(`${tenant}/${SP_NAME}--denied--mcp`, "quota of MCP access exceeded");
    await applyObject(inst.kc.onboarding, demoService(NS, "denied"));
    const denied = await eventually("AccessRequestDenied", async () => {
      const c = await apiCondition("denied", "TargetReachable");
      return c?.reason === "AccessRequestDenied" ? c : undefined;
    });
    expect(denied).toMatchObject({
      status: "False",
      message: `AccessRequest ${tenant}/${SP_NAME}--denied--mcp was denied: quota of MCP access exceeded`,
    });
  }, 120_000);

  it("a deleted granted Secret is requested again and the deployed service stays up", async () => {
    const tenant = await prepareMcp("example");
    await applyObject(inst.kc.onboarding, demoService(NS, "example"));
    await readyObject("example");
    const mcp = KubeClient.for(inst.kc.mcp);
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", name: "demo", namespace: "demo-system" };
    const before = await mcp.get(deployment);
    const request = `${tenant}/${SP_NAME}--example--mcp`;
    const grants = inst.clusterProvider.grantLog.filter((g) => g.request === request).length;
    await KubeClient.for(inst.kc.platform).delete({
      apiVersion: "v1",
      kind: "Secret",
      name: `${SP_NAME}--example--mcp.kubeconfig`,
      namespace: tenant,
    });
    await eventually("granted again", () =>
      inst.clusterProvider.grantLog.filter((g) => g.request === request).length > grants ? true : undefined,
    );
    await readyObject("example");
    const after = await mcp.get(deployment);
    expect(after?.metadata.uid).toBe(before?.metadata.uid);
    expect(condition(after?.status as { conditions?: Condition[] }, "Available")?.status).toBe("True");
  }, 180_000);

  it("renews credentials before their expirationTimestamp", async () => {
    inst.clusterProvider.lifetimeSeconds = 20;
    try {
      const tenant = await prepareMcp("brief");
      await applyObject(inst.kc.onboarding, demoService(NS, "brief"));
      await readyObject("brief");
      const request = `${tenant}/${SP_NAME}--brief--mcp`;
      const grants = await eventually(
        "a second grant",
        () => {
          const log = inst.clusterProvider.grantLog.filter((g) => g.request === request);
          return log.length >= 2 ? log : undefined;
        },
        60_000,
      );
      // Asked for at 80 % of the first credentials' lifetime, granted before they expired.
      expect(grants[1]!.at).toBeLessThan(grants[0]!.expires);
      expect(grants[1]!.at - grants[0]!.at).toBeGreaterThanOrEqual(15_000);
      expect((await apiCondition("brief", "Ready"))?.status).toBe("True");
    } finally {
      inst.clusterProvider.lifetimeSeconds = 3600;
    }
  }, 180_000);

  it("runs init again when the ServiceProvider changes, and it is idempotent", async () => {
    const inits = inst.kubelet.started.filter((p) => p.args[0] === "init" && p.exitCode === 0).length;
    await applyObject(inst.kc.platform, serviceProvider(port, [{ name: "SPE_LOG_FORMAT", value: "json" }]));
    await eventually(
      "init ran again and the provider is Ready at generation 2",
      async () => {
        const s = await spStatus(inst.kc.platform);
        const done = inst.kubelet.started.filter((p) => p.args[0] === "init" && p.exitCode === 0).length;
        return done > inits &&
          condition(s, "Initialized")?.status === "True" &&
          condition(s, "Ready")?.status === "True"
          ? s
          : undefined;
      },
      240_000,
    );
    await readyObject("example");
  }, 300_000);
});
