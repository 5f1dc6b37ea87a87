/**
 * Deletion safety with the layered-api fixture chart, whose API group serves its kinds in
 * different versions (Assembly only in v1, Blueprint in v1 and v2, v2 preferred), as
 * Crossplane's and Kyverno's groups do: deletion waits while a tenant's object of a kind
 * outside the preferred version exists, and while it cannot tell; it deletes only the CRDs
 * its own deploy put there; it removes the namespaces spe created when they hold nothing
 * else; and its own CRD deletion in progress raises no Warning.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createMetrics } from "../../src/engine/runtime/metrics.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/descriptor/index.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, repoRoot, startEngine } from "./support/engine.js";
import { eventually } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-del-${id}`;
const API_VERSION = "layered.tests.spe.dev/v1alpha1";
const GROUP = "layered.fixtures.spe.dev";
const ASSEMBLIES = `assemblies.${GROUP}`;
const BLUEPRINTS = `blueprints.${GROUP}`;
const GIZMOS = `gizmos.${GROUP}`;
const CHART = join(repoRoot, "test/fixtures/charts/layered-api");
const crd = (name: string) => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  name,
});
const namespace = (name: string) => ({ apiVersion: "v1", kind: "Namespace", name });

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Status {
  phase?: string;
  conditions?: Condition[];
  units?: { name: string; crds?: string[] }[];
}
type ApiObject = KubeObject & { status?: Status; metadata: { uid?: string } };

let engine: Engine;
let onboarding: KubeClient;
let mcp: KubeClient;
const metrics = createMetrics({ processMetrics: false });

function layered(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: API_VERSION, kind: "Layered", metadata: { name, namespace: NS }, spec };
}

function layeredRef(name: string) {
  return { apiVersion: API_VERSION, kind: "Layered", name, namespace: NS };
}

async function readApi(name: string): Promise<ApiObject | undefined> {
  return await onboarding.get({ apiVersion: API_VERSION, kind: "Layered", name, namespace: NS });
}

function condition(obj: ApiObject | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Creates the API object (with its target kubeconfig Secret) and waits until it is Ready; its uid. */
async function createReady(name: string, spec: Record<string, unknown> = {}): Promise<ApiObject> {
  await grantTarget(NS, `${name}-kubeconfig`, "mcp");
  await onboarding.apply(layered(name, spec), { manager: "spe-tests", force: true });
  return eventually(
    `${name} Ready`,
    async () => {
      const obj = await readApi(name);
      return obj?.status?.phase === "Ready" ? obj : undefined;
    },
    90_000,
  );
}

async function deleteApi(name: string): Promise<void> {
  await onboarding.delete({ apiVersion: API_VERSION, kind: "Layered", name, namespace: NS });
}

async function waitGone(name: string, timeoutMs = 90_000): Promise<void> {
  await eventually(`${name} gone`, async () => ((await readApi(name)) ? undefined : true), timeoutMs);
}

/** The API object once its deletion is blocked, or undefined once it is gone. */
async function blockedOrGone(name: string): Promise<ApiObject | undefined> {
  const seen = await eventually(
    `${name} blocked or gone`,
    async () => {
      const obj = await readApi(name);
      if (!obj) return { obj: undefined };
      return condition(obj, "DeletionBlocked")?.status === "True" ? { obj } : undefined;
    },
    90_000,
  );
  return seen.obj;
}

async function exists(ref: { apiVersion: string; kind: string; name: string; namespace?: string }) {
  return (await mcp.get(ref)) !== undefined;
}

async function waitAbsent(ref: { apiVersion: string; kind: string; name: string }): Promise<void> {
  await eventually(`${ref.kind} ${ref.name} gone`, async () => ((await exists(ref)) ? undefined : true));
}

/** The chart's CRD as a tenant would apply it themselves. */
async function chartCrd(file: string): Promise<KubeObject> {
  return parse(await readFile(join(CHART, "crds", file), "utf8")) as KubeObject;
}

async function applyTenantCrd(obj: KubeObject): Promise<void> {
  await mcp.apply(obj, { manager: "tenant", force: true });
  await eventually(`${obj.metadata.name} established`, async () => {
    const live = (await mcp.get(crd(obj.metadata.name))) as
      { status?: { conditions?: { type: string; status: string }[] } } | undefined;
    return live?.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")
      ? true
      : undefined;
  });
}

/** Events about one API object (by uid), of one type. */
async function events(
  uid: string,
  type: "Warning" | "Normal",
): Promise<{ reason: string; message: string }[]> {
  const list = (await onboarding.send({
    method: "GET",
    path: `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.uid=${uid},type=${type}`,
  })) as { items: { reason: string; message: string }[] };
  return list.items.map(({ reason, message }) => ({ reason, message }));
}

async function warnings(uid: string): Promise<string[]> {
  return (await events(uid, "Warning")).map((e) => `${e.reason}: ${e.message}`);
}

async function reconciles(): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === "controller_runtime_reconcile_total",
  );
  const values = (metric?.values ?? []) as { value: number; labels: Record<string, unknown> }[];
  return values.filter((v) => v.labels.controller === "layered").reduce((sum, v) => sum + v.value, 0);
}

beforeAll(async () => {
  onboarding = KubeClient.for(kubeConfigFor("onboarding"));
  mcp = KubeClient.for(kubeConfigFor("mcp"));
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/layered.yaml")], { metrics });
  await onboarding.apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
    { manager: "spe-tests" },
  );
  await KubeClient.for(kubeConfigFor("platform")).apply(
    { apiVersion: API_VERSION, kind: "ProviderConfig", metadata: { name: "layered" }, spec: {} },
    { manager: "spe-tests", force: true },
  );
});

/** A failed run may have left the chart's own Assembly held by its finalizer, and its CRD with it. */
async function releaseHeldAssemblies(): Promise<void> {
  if (!(await exists(crd(ASSEMBLIES)))) return;
  const apiVersion = `${GROUP}/v1`;
  const held = await eventually("Assemblies listed", () => mcp.list(apiVersion, "Assembly"));
  for (const { metadata } of held) await release({ apiVersion, kind: "Assembly", name: metadata.name });
}

async function release(ref: { apiVersion: string; kind: string; name: string }): Promise<void> {
  await mcp.send({
    method: "PATCH",
    path: await mcp.path(ref),
    body: { metadata: { finalizers: null } },
    contentType: "application/merge-patch+json",
  });
}

// Each test starts without the fixture's CRDs on the mcp, whatever the one before left.
beforeEach(async () => {
  await releaseHeldAssemblies();
  for (const name of [ASSEMBLIES, BLUEPRINTS, GIZMOS]) await mcp.delete(crd(name));
  for (const name of [ASSEMBLIES, BLUEPRINTS, GIZMOS]) await waitAbsent(crd(name));
});

afterAll(async () => {
  await engine.stop();
  // Objects a failed run left Terminating would keep their CRD from going.
  for (const obj of await onboarding.list(API_VERSION, "Layered", { namespace: NS }).catch(() => []))
    await onboarding.send({
      method: "PATCH",
      path: await onboarding.path({ ...layeredRef(obj.metadata.name) }),
      body: { metadata: { finalizers: null } },
      contentType: "application/merge-patch+json",
    });
  await releaseHeldAssemblies();
  for (const name of [ASSEMBLIES, BLUEPRINTS, GIZMOS]) await mcp.delete(crd(name));
  await removeProvider({
    group: "layered.tests.spe.dev",
    apiPlural: "layereds",
    configName: "layered",
    namespace: NS,
  });
});

describe("deletion with a group that serves its kinds in different versions", () => {
  it("leaves the CRDs a tenant applied when an object that never deployed is deleted", async () => {
    await applyTenantCrd(await chartCrd("assemblies.yaml"));
    await applyTenantCrd(await chartCrd("blueprints.yaml"));
    // Its ProviderConfig does not exist: the object never deploys anything.
    await grantTarget(NS, "never-kubeconfig", "mcp");
    await onboarding.apply(layered("never", { config: "absent" }), { manager: "spe-tests", force: true });
    const pending = await eventually("never: ConfigResolved=False", async () => {
      const obj = await readApi("never");
      return condition(obj, "ConfigResolved")?.status === "False" ? obj : undefined;
    });
    await deleteApi("never");
    await waitGone("never");
    expect(await exists(crd(ASSEMBLIES))).toBe(true);
    expect(await exists(crd(BLUEPRINTS))).toBe(true);
    const deleted = await events(pending.metadata.uid ?? "", "Normal");
    expect(deleted.find((e) => e.reason === "Deleted")?.message).toMatch(
      new RegExp(`left CRD ${ASSEMBLIES}: spe's records do not show`),
    );
  });

  it("deletes only the CRDs its deploy put there, not one that was on the target before", async () => {
    await applyTenantCrd(await chartCrd("assemblies.yaml"));
    const ready = await createReady("shared");
    await deleteApi("shared");
    await waitGone("shared");
    expect(await exists(crd(ASSEMBLIES))).toBe(true);
    expect(await exists(crd(BLUEPRINTS))).toBe(false);
    // What told them apart: the status recorded the CRDs absent before the unit's first install.
    expect(ready.status?.units?.find((u) => u.name === "service")?.crds).toEqual([BLUEPRINTS]);
  });

  it("blocks deletion while a tenant's object of a kind outside the preferred version exists", async () => {
    await createReady("alpha");
    // The mechanism: the group's preferred version does not serve Assembly.
    const group = (await mcp.send({ method: "GET", path: `/apis/${GROUP}` })) as {
      preferredVersion: { version: string };
    };
    expect(group.preferredVersion.version).toBe("v2");
    const v2 = (await mcp.send({ method: "GET", path: `/apis/${GROUP}/v2` })) as {
      resources: { kind: string }[];
    };
    expect(v2.resources.map((r) => r.kind)).not.toContain("Assembly");
    const assembly = { apiVersion: `${GROUP}/v1`, kind: "Assembly", name: "tenant-assembly" };
    await mcp.apply(
      {
        apiVersion: assembly.apiVersion,
        kind: assembly.kind,
        metadata: { name: assembly.name },
        spec: { parts: ["a"] },
      },
      { manager: "tenant" },
    );

    await deleteApi("alpha");
    const blocked = await blockedOrGone("alpha");
    expect(blocked, "deletion went ahead while the tenant's Assembly existed").toBeDefined();
    expect(blocked?.status?.phase).toBe("Terminating");
    expect(condition(blocked, "DeletionBlocked")).toMatchObject({ reason: "UserResourcesPresent" });
    expect(condition(blocked, "DeletionBlocked")?.message).toContain(`1 Assembly.${GROUP} (tenant-assembly)`);
    expect(await exists(assembly)).toBe(true);
    expect(await exists(crd(ASSEMBLIES))).toBe(true);
    expect(
      await exists({
        apiVersion: "v1",
        kind: "ConfigMap",
        name: "layered-settings",
        namespace: "layered-alpha",
      }),
    ).toBe(true);

    await mcp.delete(assembly);
    await waitGone("alpha");
    expect(await exists(crd(ASSEMBLIES))).toBe(false);
    expect(await exists(crd(BLUEPRINTS))).toBe(false);
    // Both namespaces were spe's (helm's createNamespace, and one for the manifests) and held nothing else.
    expect(await exists(namespace("layered-alpha"))).toBe(false);
    expect(await exists(namespace("layered-alpha-extra"))).toBe(false);
  });

  it("blocks while a kind's CRD exists but is not served: not knowing is not none", async () => {
    await createReady("gamma");
    await mcp.apply(gizmoCrd(false), { manager: "tenant", force: true });
    await deleteApi("gamma");
    const blocked = await blockedOrGone("gamma");
    expect(blocked, "deletion went ahead while Gizmo could not be looked up").toBeDefined();
    expect(condition(blocked, "DeletionBlocked")).toMatchObject({ reason: "UserResourcesUnknown" });
    expect(condition(blocked, "DeletionBlocked")?.message).toContain(
      `Gizmo.${GROUP}: CRD ${GIZMOS} defines it but the API server does not serve it`,
    );
    expect(await exists(crd(BLUEPRINTS))).toBe(true);
    // Served (and empty): now it can be told.
    await mcp.apply(gizmoCrd(true), { manager: "tenant", force: true });
    await waitGone("gamma");
    expect(await exists(crd(GIZMOS))).toBe(true);
  });

  it("keeps a namespace spe created when it holds someone else's object", async () => {
    const ready = await createReady("beta");
    await mcp.apply(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "tenant-notes", namespace: "layered-beta" } },
      { manager: "tenant" },
    );
    await deleteApi("beta");
    await waitGone("beta");
    expect(await exists(namespace("layered-beta"))).toBe(true);
    expect(
      await exists({ apiVersion: "v1", kind: "ConfigMap", name: "tenant-notes", namespace: "layered-beta" }),
    ).toBe(true);
    expect(await exists(namespace("layered-beta-extra"))).toBe(false);
    const deleted = (await events(ready.metadata.uid ?? "", "Normal")).find((e) => e.reason === "Deleted");
    expect(deleted?.message).toContain(
      "kept namespace layered-beta that spe created: it holds ConfigMap tenant-notes",
    );
    await mcp.delete(namespace("layered-beta"));
  });

  it("raises no Warning while its own CRD deletion is in progress", async () => {
    const ready = await createReady("delta", { hold: true });
    const uid = ready.metadata.uid ?? "";
    await deleteApi("delta");
    // The chart's own Assembly keeps its finalizer, so the Assembly CRD stays terminating
    // while the Blueprint CRD is gone: each further pass looks at kinds spe is removing.
    await eventually("delta waits for its CRDs", async () => {
      const obj = await readApi("delta");
      return condition(obj, "DeletionBlocked")?.message.startsWith("waiting for CRDs to be removed: ")
        ? true
        : undefined;
    });
    await waitAbsent(crd(BLUEPRINTS));
    const before = await reconciles();
    await eventually("two more reconciles of delta", async () =>
      (await reconciles()) >= before + 2 ? true : undefined,
    );
    // The chart's own Assembly was no user's object (it blocked nothing), and spe's own
    // CRD deletion is nothing to warn about.
    expect(await warnings(uid)).toEqual([]);

    await release({ apiVersion: `${GROUP}/v1`, kind: "Assembly", name: "layered-delta-frame" });
    await waitGone("delta");
    expect(await warnings(uid)).toEqual([]);
    expect(await exists(crd(ASSEMBLIES))).toBe(false);
  });
});

function gizmoCrd(served: boolean): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: GIZMOS },
    spec: {
      group: GROUP,
      scope: "Cluster",
      names: { plural: "gizmos", singular: "gizmo", kind: "Gizmo", listKind: "GizmoList" },
      versions: [
        {
          name: "v1",
          served,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}
