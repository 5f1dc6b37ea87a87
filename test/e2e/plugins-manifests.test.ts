import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject, ManifestsUnitPlan } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { ManifestsPlugin } from "../../src/plugins/manifests/index.js";
import { ownerHash } from "../../src/plugins/objects/owner.js";
import type { ObjectRef, UnitScope } from "../../src/plugins/types.js";
import { kubeConfigFor } from "./support/env.js";

const id = randomBytes(3).toString("hex");
const ns = `manifests-${id}`;
const autoNs = `manifests-auto-${id}`;
const mcp = (): KubeClient => KubeClient.for(kubeConfigFor("mcp"));

const scope = (): UnitScope => ({
  kubeconfig: kubeConfigFor("mcp"),
  owner: {
    provider: "demo",
    group: "demo.services.spe.dev",
    kind: "Demo",
    namespace: "tenant",
    name: `m-${id}`,
    uid: "u1",
  },
  baseDir: "/",
});

const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } };
const config: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: ns },
  data: { greeting: "hello" },
};
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "server", namespace: ns },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: "server" } },
    template: {
      metadata: { labels: { app: "server" } },
      spec: { containers: [{ name: "server", image: "registry.invalid/server:1" }] },
    },
  },
};
// Its namespace is not in the plan: the plugin creates it.
const elsewhere: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "elsewhere", namespace: autoNs },
  data: { a: "b" },
};

function unit(manifests: KubeObject[], name = "app"): ManifestsUnitPlan {
  return {
    type: "manifests",
    name,
    dependsOn: [],
    deletionPolicy: "delete",
    readiness: { kind: "kstatus" },
    manifests,
  };
}

const ref = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

describe("manifests plugin", () => {
  const plugin = new ManifestsPlugin();

  afterAll(async () => {
    for (const n of [ns, autoNs, `${ns}-order`])
      await mcp().delete({ apiVersion: "v1", kind: "Namespace", name: n });
  });

  it("applies the objects with owner labels, creating a missing namespace", async () => {
    const plan = unit([namespace, config, deployment, elsewhere]);
    expect((await plugin.observe(plan, scope())).exists).toBe(false);
    await plugin.create(plan, scope());
    const live = await mcp().get(ref(deployment));
    expect(live?.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "spe",
      "spe.dev/owner": ownerHash(scope().owner),
    });
    expect(await mcp().get(ref(elsewhere))).toBeDefined();
    const watched = await plugin.deployedObjects(plan, scope());
    expect(watched.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `Namespace/${ns}`,
      "ConfigMap/settings",
      "Deployment/server",
      "ConfigMap/elsewhere",
    ]);
  });

  it("observes the unit as up to date and, once the Deployment is Available, ready", async () => {
    const plan = unit([namespace, config, deployment, elsewhere]);
    await expect
      .poll(async () => (await plugin.observe(plan, scope())).ready, { timeout: 60_000, interval: 1_000 })
      .toBe(true);
    const seen = await plugin.observe(plan, scope());
    expect(seen).toMatchObject({ exists: true, upToDate: true, drift: [] });
    expect(seen.objects.find((o) => o.kind === "Deployment")?.phase).toBe("Current");
  });

  it("reports an out-of-band edit with field path and manager, and update corrects it", async () => {
    const plan = unit([namespace, config, deployment, elsewhere]);
    const client = mcp();
    await client.send({
      method: "PATCH",
      path: `${await client.path(ref(config))}?fieldManager=oob-editor`,
      body: { data: { greeting: "tampered" } },
      contentType: "application/merge-patch+json",
    });
    await client.delete(ref(elsewhere));
    const seen = await plugin.observe(plan, scope());
    expect(seen.upToDate).toBe(false);
    expect(seen.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: ".data.greeting", reason: "changed", manager: "oob-editor" }),
        expect.objectContaining({ object: ref(elsewhere), reason: "missing" }),
      ]),
    );
    await plugin.update(plan, scope());
    expect((await client.get(ref(config)))?.data).toEqual({ greeting: "hello" });
    expect(await client.get(ref(elsewhere))).toBeDefined();
    expect((await plugin.observe(plan, scope())).drift).toEqual([]);
  });

  it("prunes an object that left the plan", async () => {
    const smaller = unit([namespace, deployment, elsewhere]);
    const before = await plugin.observe(smaller, scope());
    expect(before.upToDate).toBe(false);
    await plugin.update(smaller, scope());
    expect(await mcp().get(ref(config))).toBeUndefined();
    expect(await mcp().get(ref(deployment))).toBeDefined();
    expect((await plugin.observe(smaller, scope())).upToDate).toBe(true);
  });

  it("deletes in reverse plan order without waiting, and forgets the unit", async () => {
    // A finalizer keeps each object visible after its DELETE; the resourceVersion each DELETE
    // wrote (etcd's global revision) tells the order in which they were deleted.
    const hold = ["spe.dev/e2e-hold"];
    const orderNs = `${ns}-order`;
    const objs: KubeObject[] = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: orderNs, finalizers: hold } },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "first", namespace: orderNs, finalizers: hold },
      },
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "second", namespace: orderNs, finalizers: hold },
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: `spe-e2e-${id}`, finalizers: hold },
        rules: [],
      },
    ];
    const plan = unit(objs, "ordered");
    await plugin.create(plan, scope());
    await plugin.delete(plan, scope());
    const live = await Promise.all(objs.map((o) => mcp().get(ref(o))));
    for (const o of live) expect(o?.metadata.deletionTimestamp).toBeDefined();
    const versions = live.map((o) => Number(o?.metadata.resourceVersion));
    expect(versions.every((v) => Number.isInteger(v) && v > 0)).toBe(true);
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    expect((await plugin.observe(plan, scope())).upToDate).toBe(false);
    for (const o of objs) {
      await mcp().send({
        method: "PATCH",
        path: await mcp().path(ref(o)),
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
    }
  });

  it("delete of the main unit removes its objects and its inventory", async () => {
    const plan = unit([namespace, deployment, elsewhere]);
    await plugin.delete(plan, scope());
    expect(await mcp().get(ref(elsewhere))).toBeUndefined();
    await expect
      .poll(async () => (await plugin.observe(plan, scope())).exists, { timeout: 60_000 })
      .toBe(false);
  });
});
