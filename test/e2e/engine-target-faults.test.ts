/**
 * The engine's watches of a target cluster when the way to it goes bad, through the fault
 * proxy (test/support/fault-proxy.ts) in front of the real mcp apiserver; the target
 * kubeconfig Secret holds a ServiceAccount's token, as a granted access would:
 * - a target watch whose connection turns half-open (nothing closed, nothing arriving) is
 *   noticed within the idle timeout, and drift made meanwhile is corrected;
 * - the Secret rotated to another ServiceAccount's token and the old one revoked: the engine
 *   watches with the new token (the old watches, whose token died, are not used any more)
 *   and drift is still corrected;
 * - the token revoked with nothing to replace it: the watches the apiserver now refuses are
 *   not trusted any more, and the object says TargetReachable=False, Unauthorized, until a new
 *   token is granted.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeApiError, KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { type FaultProxy, isWatch, startFaultProxy } from "../support/fault-proxy.js";
import { eventually } from "./engine-support.js";
import { kubeConfigFor } from "./support/env.js";
import { loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, read } from "./support/kube.js";
import { kubeConfigOf, serviceAccountToken, servingCertificate, tokenKubeconfig } from "./support/tokens.js";

const NS = `spe-tf-${randomBytes(3).toString("hex")}`;
const NAME = "mcp-tf";
const GROUP = "mf.tests.spe.dev";
/** The target watches' idle timeout in this test. */
const IDLE_MS = 2_000;
/** How soon after a fault drift must be corrected: the idle timeout and a reconcile. */
const BOUND_MS = IDLE_MS + 8_000;

const appSet = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "AppSet",
  metadata: { name: NAME, namespace: NS },
  spec: { apps: [{ name: "web", greeting: "hello" }] },
};
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "mf-apps" },
  spec: { image: "registry.invalid/app:1" },
};
const greetingRef = { apiVersion: "v1", kind: "ConfigMap", name: "web-config", namespace: NS };

let engine: Engine;
let proxy: FaultProxy;
let mcp: KubeConfig;
let tokenA = "";

/** Points the target kubeconfig Secret at the proxy, with `token`. */
async function grant(token: string): Promise<void> {
  await apply(kubeConfigFor("platform"), {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${NAME}-kubeconfig`, namespace: NS },
    stringData: { kubeconfig: tokenKubeconfig("mcp", token, proxy.url) },
  });
}

async function greeting(): Promise<string | undefined> {
  const cm = await KubeClient.for(mcp).get(greetingRef);
  return (cm?.data as Record<string, string> | undefined)?.greeting;
}

/** Changes the ConfigMap spe deployed as someone else would, and waits until spe has put it back. */
async function driftCorrected(): Promise<number> {
  await KubeClient.for(mcp).mergePatch(greetingRef, { data: { greeting: "drifted" } }, "kubectl-edit");
  const changed = Date.now();
  await eventually(
    "drift corrected",
    async () => ((await greeting()) === "hello" ? true : undefined),
    BOUND_MS,
  );
  return Date.now() - changed;
}

beforeAll(async () => {
  mcp = kubeConfigFor("mcp");
  proxy = await startFaultProxy({
    target: new URL(mcp.getCurrentCluster()!.server),
    tls: await servingCertificate(),
  });
  for (const c of ["onboarding", "platform"] as const)
    await apply(kubeConfigFor(c), { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  tokenA = await serviceAccountToken("mcp", NS, "spe-a");
  await grant(tokenA);
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/manifests-only.yaml")], {
    watchIdleMs: IDLE_MS,
  });
  await apply(kubeConfigFor("platform"), config);
  await apply(kubeConfigFor("onboarding"), appSet);
  await eventually(
    "Ready",
    async () => {
      const obj = (await read(kubeConfigFor("onboarding"), appSet)) as { status?: { phase?: string } };
      return obj.status?.phase === "Ready" ? true : undefined;
    },
    60_000,
  );
});

afterAll(async () => {
  // Deleted while the engine runs, so its finalizer goes and the CRD can follow.
  await KubeClient.for(kubeConfigFor("onboarding")).delete({ ...appSet, name: NAME, namespace: NS });
  await eventually(
    "AppSet gone",
    async () => ((await read(kubeConfigFor("onboarding"), appSet)) ? undefined : true),
    60_000,
  );
  await engine.stop();
  await proxy.close();
  await removeProvider({ group: GROUP, apiPlural: "appsets", configName: "mf-apps", namespace: NS });
  for (const sa of ["spe-a", "spe-b", "spe-c"])
    await KubeClient.for(mcp).delete({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      name: `${NS}-${sa}`,
    });
});

describe("target watches through a failing network", () => {
  it("notice a half-open watch within the idle timeout and correct the drift made meanwhile", async () => {
    expect(await greeting()).toBe("hello");
    await eventually("target watches run", () => (proxy.connections().some(isWatch) ? true : undefined));
    expect(proxy.halfOpen(isWatch)).toBeGreaterThan(0);
    const took = await driftCorrected();
    expect(took).toBeLessThan(BOUND_MS);
    // Through new watches: the half-open ones were given up.
    expect(proxy.connections().some((c) => isWatch(c) && c.state === "forwarding")).toBe(true);
  });
});

interface Condition {
  type: string;
  status: string;
  reason: string;
}

async function condition(type: string): Promise<Condition | undefined> {
  const obj = (await read(kubeConfigFor("onboarding"), appSet)) as {
    status?: { conditions?: Condition[] };
  };
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Resolves once `token` is refused by the apiserver. */
async function refused(token: string): Promise<void> {
  await eventually("the token refused", async () => {
    const answer = await KubeClient.for(kubeConfigOf(tokenKubeconfig("mcp", token)))
      .send({ method: "GET", path: "/version" })
      .then(
        () => false,
        (err: unknown) => err instanceof KubeApiError && err.status === 401,
      );
    return answer ? true : undefined;
  });
}

let tokenB = "";

describe("rotated target credentials", () => {
  it("are followed: watches with the new token, and drift corrected after the old one is revoked", async () => {
    await eventually("watches with the first token", () =>
      proxy.connections().some((c) => isWatch(c) && c.authorization === `Bearer ${tokenA}`)
        ? true
        : undefined,
    );
    tokenB = await serviceAccountToken("mcp", NS, "spe-b");
    await grant(tokenB);
    await eventually(
      "watches with the new token",
      () =>
        proxy.connections().some((c) => isWatch(c) && c.authorization === `Bearer ${tokenB}`)
          ? true
          : undefined,
      BOUND_MS,
    );
    // The old token dies with its ServiceAccount; every connection has to start over.
    await KubeClient.for(mcp).delete({
      apiVersion: "v1",
      kind: "ServiceAccount",
      namespace: NS,
      name: "spe-a",
    });
    await refused(tokenA);
    proxy.cut();
    const took = await driftCorrected();
    expect(took).toBeLessThan(BOUND_MS);
  });
});

describe("revoked target credentials", () => {
  it("make the object say TargetReachable=False, Unauthorized, until new ones are granted", async () => {
    await KubeClient.for(mcp).delete({
      apiVersion: "v1",
      kind: "ServiceAccount",
      namespace: NS,
      name: "spe-b",
    });
    await refused(tokenB);
    // The watches with the dead token have to start over, and are refused.
    proxy.cut();
    await eventually(
      "TargetReachable=False",
      async () => ((await condition("TargetReachable"))?.reason === "Unauthorized" ? true : undefined),
      BOUND_MS,
    );
    expect(await condition("TargetReachable")).toMatchObject({ status: "False", reason: "Unauthorized" });
    await grant(await serviceAccountToken("mcp", NS, "spe-c"));
    await eventually(
      "TargetReachable=True",
      async () => ((await condition("TargetReachable"))?.status === "True" ? true : undefined),
      BOUND_MS,
    );
    expect(await driftCorrected()).toBeLessThan(BOUND_MS);
  });
});
