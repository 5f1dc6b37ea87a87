import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { AccessError, ClusterAccess, parseKubeconfig, verifyAccess } from "../../src/engine/access/index.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { ACCESS_REQUEST_CRD } from "../fixtures/crds/accessrequest.js";

const ns = `access-${randomBytes(3).toString("hex")}`;
const platform = (): KubeClient => KubeClient.for(kubeConfigFor("platform"));

function secret(name: string, data: Record<string, string>): KubeObject {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]),
  );
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns }, data: encoded };
}

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AccessError) return err.reason;
    throw err;
  }
  return "resolved";
}

describe("cluster access", () => {
  let mcpKubeconfig = "";

  beforeAll(async () => {
    mcpKubeconfig = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
    await platform().apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
      { manager: "e2e" },
    );
    await platform().apply(secret("mcp-kubeconfig", { kubeconfig: mcpKubeconfig }), { manager: "e2e" });
  });

  afterAll(async () => {
    await platform().delete({ apiVersion: "v1", kind: "Namespace", name: ns });
  });

  it("a kubeconfig Secret on the platform cluster gives a KubeConfig that reaches the mcp cluster", async () => {
    const access = new ClusterAccess({ source: kubeConfigFor("platform") });
    const kc = await access.resolve({ kind: "kubeconfigSecret", namespace: ns, name: "mcp-kubeconfig" });
    expect(kc.getCurrentCluster()?.server).toBe(testEnv().clusters.mcp.server);
    expect((await verifyAccess(kc)).gitVersion).toMatch(/^v1\./);
    // It really is the mcp cluster: a namespace made there is visible through it, not on platform.
    const marker = `marker-${ns}`;
    await KubeClient.for(kubeConfigFor("mcp")).apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: marker } },
      { manager: "e2e" },
    );
    expect(await KubeClient.for(kc).get({ apiVersion: "v1", kind: "Namespace", name: marker })).toBeDefined();
    expect(await platform().get({ apiVersion: "v1", kind: "Namespace", name: marker })).toBeUndefined();
    await KubeClient.for(kubeConfigFor("mcp")).delete({ apiVersion: "v1", kind: "Namespace", name: marker });
  });

  it("an unchanged Secret gives the same KubeConfig instance; a changed one a new instance", async () => {
    const access = new ClusterAccess({ source: kubeConfigFor("platform") });
    const spec = { kind: "kubeconfigSecret" as const, namespace: ns, name: "mcp-kubeconfig" };
    const first = await access.resolve(spec);
    expect(await access.resolve(spec)).toBe(first);
    await platform().apply(secret("mcp-kubeconfig", { kubeconfig: mcpKubeconfig, extra: "x" }), {
      manager: "e2e",
    });
    const second = await access.resolve(spec);
    expect(second).not.toBe(first);
    expect(second.getCurrentCluster()?.server).toBe(testEnv().clusters.mcp.server);
  });

  it("reports a missing Secret, a missing key and a broken kubeconfig as typed errors", async () => {
    const access = new ClusterAccess({ source: kubeConfigFor("platform") });
    await platform().apply(secret("broken", { kubeconfig: "not: [a kubeconfig" }), { manager: "e2e" });
    expect(await reasonOf(access.resolve({ kind: "kubeconfigSecret", namespace: ns, name: "absent" }))).toBe(
      "SecretNotFound",
    );
    expect(
      await reasonOf(
        access.resolve({ kind: "kubeconfigSecret", namespace: ns, name: "mcp-kubeconfig", key: "nope" }),
      ),
    ).toBe("KeyMissing");
    expect(await reasonOf(access.resolve({ kind: "kubeconfigSecret", namespace: ns, name: "broken" }))).toBe(
      "InvalidKubeconfig",
    );
  });

  it("a cluster that does not answer is Unreachable", async () => {
    const text = mcpKubeconfig.replace(testEnv().clusters.mcp.server, "https://127.0.0.1:1");
    expect(await reasonOf(verifyAccess(parseKubeconfig(text, "test"), 2_000))).toBe("Unreachable");
  });

  it("an openMCP AccessRequest is pending until granted, then resolves through its secretRef", async () => {
    const client = platform();
    await client.apply(ACCESS_REQUEST_CRD, { manager: "e2e" });
    const request: KubeObject = {
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "AccessRequest",
      metadata: { name: "mcp", namespace: ns },
      spec: { clusterRef: { name: "mcp" } },
    };
    const access = new ClusterAccess({ source: kubeConfigFor("platform") });
    const spec = { kind: "accessRequest" as const, namespace: ns, name: "mcp" };
    await expect
      .poll(() => reasonOf(access.resolve(spec)), { timeout: 30_000 })
      .toBe("AccessRequestNotFound");
    await expect
      .poll(() =>
        client
          .apply(request, { manager: "e2e" })
          .then(() => true)
          .catch(() => false),
      )
      .toBe(true);
    expect(await reasonOf(access.resolve(spec))).toBe("AccessRequestPending");
    await client.send({
      method: "PATCH",
      path: `${await client.path({ ...request, name: "mcp", namespace: ns })}/status`,
      body: { status: { phase: "Granted", secretRef: { name: "mcp-kubeconfig", namespace: ns } } },
      contentType: "application/merge-patch+json",
    });
    const kc = await access.resolve(spec);
    expect(kc.getCurrentCluster()?.server).toBe(testEnv().clusters.mcp.server);
    await client.delete({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: ACCESS_REQUEST_CRD.metadata.name,
    });
  });
});
