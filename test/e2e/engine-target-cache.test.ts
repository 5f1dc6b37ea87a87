/**
 * The target cache's watched sets (what plugins keep their records in, DeployPlugin.watches):
 * one shared metadata-only watch per (cluster, kind, namespace, selector); a lookup answers
 * from memory once it has listed; a change wakes only the owners of the objects' group.
 * Watches are kept per identity: a kubeconfig impersonating a user who may not read a kind
 * never sees what the admin's watch of the same server holds.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TargetCaches } from "../../src/engine/cache/target-cache.js";
import { KubeClient } from "../../src/kube/client.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { observeRequests } from "../../src/kube/http.js";
import type { WatchSpec } from "../../src/plugins/types.js";
import { kubeConfigFor } from "./support/env.js";
import { kubeConfigOf, serviceAccountToken, tokenKubeconfig } from "./support/tokens.js";
import { apply, eventually } from "./support/kube.js";

const NS = `spe-sets-${randomBytes(3).toString("hex")}`;
const records = (name: string): WatchSpec => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  namespace: NS,
  labelSelector: "kind=record",
  labels: { set: name },
});
const record = (name: string, set: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: NS, labels: { kind: "record", set, ...labels } },
});

const mcp = kubeConfigFor("mcp");
const woken: string[] = [];
const caches = new TargetCaches((owner) => woken.push(owner));

beforeAll(async () => {
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, record("a-1", "a"));
  // Outside the watch's selector: never listed, never wakes anyone.
  await apply(mcp, { ...record("a-x", "a"), metadata: { name: "a-x", namespace: NS, labels: { set: "a" } } });
});

afterAll(async () => {
  await caches.stop();
  await KubeClient.for(mcp).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("watched sets of a target", () => {
  it("list an owner's group from one shared watch, then answer from memory", async () => {
    const a = caches.view("owner-a", mcp);
    const b = caches.view("owner-b", mcp);
    const listedA = await eventually("set a listed", () => a.list(records("a")));
    expect(listedA.map((o) => o.name)).toEqual(["a-1"]);
    expect(listedA[0]!.labels).toMatchObject({ kind: "record", set: "a" });
    // Listed and empty: a group with no objects is known to be empty.
    expect(b.list(records("b"))).toEqual([]);
    caches.track("owner-a", [{ target: mcp, deployed: { objects: [], watches: [records("a")] } }]);
    caches.track("owner-b", [{ target: mcp, deployed: { objects: [], watches: [records("b")] } }]);
    expect(caches.size().watches).toEqual([`v1|ConfigMap|${NS}|kind=record`]);
    let sent = 0;
    const stop = observeRequests(() => sent++);
    try {
      for (let i = 0; i < 10; i++) {
        expect(a.list(records("a"))?.length).toBe(1);
        expect(b.list(records("b"))).toEqual([]);
      }
    } finally {
      stop();
    }
    expect(sent).toBe(0);
  });

  it("wake only the owners of the group a change touched", async () => {
    woken.length = 0;
    await apply(mcp, record("b-1", "b"));
    await eventually("owner-b woken", () => (woken.includes("owner-b") ? true : undefined));
    expect(
      caches
        .view("owner-b", mcp)
        .list(records("b"))
        ?.map((o) => o.name),
    ).toEqual(["b-1"]);
    woken.length = 0;
    await apply(mcp, record("a-1", "a", { revision: "2" }));
    await eventually("owner-a woken", () => (woken.includes("owner-a") ? true : undefined));
    expect(caches.view("owner-a", mcp).list(records("a"))?.[0]?.labels.revision).toBe("2");
    await KubeClient.for(mcp).delete({ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "b-1" });
    await eventually("b-1 gone", () =>
      caches.view("owner-b", mcp).list(records("b"))?.length === 0 ? true : undefined,
    );
    expect(woken.filter((o) => o === "owner-b").length).toBeGreaterThan(0);
    // owner-a was woken by its own record only, never by b-1's coming and going.
    expect(woken.filter((o) => o === "owner-a").length).toBe(1);
  });

  it("a record moved to another group wakes the owners of both", async () => {
    woken.length = 0;
    await apply(mcp, { ...record("a-1", "b", { revision: "2" }) });
    await eventually("both woken", () =>
      woken.includes("owner-a") && woken.includes("owner-b") ? true : undefined,
    );
    expect(caches.view("owner-a", mcp).list(records("a"))).toEqual([]);
    expect(
      caches
        .view("owner-b", mcp)
        .list(records("b"))
        ?.map((o) => o.name),
    ).toEqual(["a-1"]);
  });
});

describe("two identities on one server", () => {
  it("have watches of their own: the impersonated user sees nothing the admin's watch holds", async () => {
    const admin = caches.view("owner-admin", mcp);
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "a-x" };
    await eventually("the admin's watch holds the ConfigMap", () => admin.object(ref));
    const doc = JSON.parse(mcp.exportConfig()) as { users: { user: Record<string, unknown> }[] };
    for (const u of doc.users) u.user.as = `system:serviceaccount:${NS}:nobody`;
    const nobody = new KubeConfig();
    nobody.loadFromString(JSON.stringify(doc));
    let refused = 0;
    const stop = observeRequests((r) => {
      if (r.code === "403") refused++;
    });
    try {
      const view = caches.view("owner-nobody", nobody);
      expect(view.object(ref)).toBeUndefined();
      // Its own watch tried to list as the impersonated user, and was refused.
      await eventually("the impersonated list refused", () => (refused > 0 ? true : undefined));
      expect(view.object(ref)).toBeUndefined();
      expect(admin.object(ref)).toBeDefined();
    } finally {
      stop();
    }
  });
});

describe("an identity allowed in one namespace only", () => {
  it("watches its objects per namespace, since it may not watch the kind cluster-wide", async () => {
    const token = await serviceAccountToken("mcp", NS, "scoped", {
      clusterRole: "view",
      namespaceOnly: true,
    });
    const scoped = kubeConfigOf(tokenKubeconfig("mcp", token));
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "a-x" };
    const view = caches.view("owner-scoped", scoped);
    await eventually("seen through a namespace watch", () => view.object(ref));
    caches.track("owner-scoped", [{ target: scoped, deployed: { objects: [ref], watches: [] } }]);
    expect(caches.size().watches).toContain(`v1|ConfigMap|${NS}`);
    woken.length = 0;
    await apply(mcp, {
      ...record("a-x", "a", { touched: "yes" }),
      metadata: { name: "a-x", namespace: NS, labels: { set: "a", touched: "yes" } },
    });
    await eventually("owner-scoped woken", () => (woken.includes("owner-scoped") ? true : undefined));
  });
});
