/**
 * A target kubeconfig allowed in one namespace only (a ServiceAccount with `edit` bound by a
 * RoleBinding there) and a manifests unit deploying into that namespace. The manifests
 * plugin keeps its inventory in namespace spe-system on the target, which such credentials
 * may not touch: the object must say so (reason InventoryForbidden, "forbidden: …" naming
 * the ConfigMap, its namespace and what to grant), with a Warning event, instead of the
 * apiserver's bare refusal; granting the rights there brings it Ready.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { eventually } from "./engine-support.js";
import { kubeConfigFor } from "./support/env.js";
import { loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, read } from "./support/kube.js";
import { serviceAccountToken, tokenKubeconfig } from "./support/tokens.js";

const NS = `spe-scoped-${randomBytes(3).toString("hex")}`;
const NAME = "scoped";
const GROUP = "mf.tests.spe.dev";
const SA = "tenant";

const appSet = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "AppSet",
  metadata: { name: NAME, namespace: NS },
  spec: { apps: [{ name: "web", greeting: "hello" }] },
};

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

async function conditions(): Promise<Condition[]> {
  const obj = (await read(kubeConfigFor("onboarding"), appSet)) as
    { status?: { conditions?: Condition[] } } | undefined;
  return obj?.status?.conditions ?? [];
}

let engine: Engine;

beforeAll(async () => {
  for (const c of ["onboarding", "platform", "mcp"] as const)
    await apply(kubeConfigFor(c), { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  const token = await serviceAccountToken("mcp", NS, SA, { clusterRole: "edit", namespaceOnly: true });
  await apply(kubeConfigFor("platform"), {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${NAME}-kubeconfig`, namespace: NS },
    stringData: { kubeconfig: tokenKubeconfig("mcp", token) },
  });
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/manifests-only.yaml")]);
  await apply(kubeConfigFor("platform"), {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "mf-apps" },
    spec: { image: "registry.invalid/app:1" },
  });
}, 120_000);

afterAll(async () => {
  await KubeClient.for(kubeConfigFor("onboarding")).delete({ ...appSet, name: NAME, namespace: NS });
  await eventually(
    "the AppSet gone",
    async () => ((await read(kubeConfigFor("onboarding"), appSet)) === undefined ? true : undefined),
    60_000,
  );
  await engine.stop();
  await KubeClient.for(kubeConfigFor("mcp")).delete({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    namespace: "spe-system",
    name: `${NS}-inventory`,
  });
  await removeProvider({ group: GROUP, apiPlural: "appsets", configName: "mf-apps", namespace: NS });
}, 120_000);

describe("a target allowed in one namespace only, with a manifests unit", () => {
  it("says which permission the inventory lacks (forbidden: …), then deploys once it is granted", async () => {
    await apply(kubeConfigFor("onboarding"), appSet);
    const refused = await eventually(
      "a condition naming the inventory",
      async () => (await conditions()).find((c) => c.reason === "InventoryForbidden"),
      60_000,
    );
    expect(refused.status).toBe("False");
    expect(refused.message).toMatch(
      /forbidden: the manifests plugin keeps its inventory in ConfigMap spe-system\/spe-inventory-/,
    );
    expect(refused.message).toContain(
      'Grant get, create, patch and delete on configmaps in namespace "spe-system"',
    );
    // The apiserver's own words name the user and the refused verb.
    expect(refused.message).toContain(`system:serviceaccount:${NS}:${SA}`);
    await eventually(
      "a Warning event with the reason",
      async () => {
        const all = await KubeClient.for(kubeConfigFor("onboarding")).list("v1", "Event", { namespace: NS });
        return all.some((e) => (e as { reason?: string }).reason === "InventoryForbidden") ? true : undefined;
      },
      30_000,
    );
    // Granting what the message asks for (spe-system exists on mcp since other tests ran; made here if not).
    await apply(kubeConfigFor("mcp"), {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "spe-system" },
    });
    await apply(kubeConfigFor("mcp"), {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: `${NS}-inventory`, namespace: "spe-system" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
      subjects: [{ kind: "ServiceAccount", name: SA, namespace: NS }],
    });
    await eventually(
      "Ready once granted",
      async () => {
        const obj = (await read(kubeConfigFor("onboarding"), appSet)) as
          { status?: { phase?: string } } | undefined;
        return obj?.status?.phase === "Ready" ? true : undefined;
      },
      90_000,
    );
    expect(
      await read(kubeConfigFor("mcp"), {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "web-config", namespace: NS },
      }),
    ).toBeDefined();
  }, 240_000);
});
