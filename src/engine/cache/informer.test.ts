import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COLLECTION, FakeApiServer } from "../../../test/unit/support/loopback-apiserver.js";
import { request } from "../../kube/http.js";
import type { KubernetesList } from "../../kube/object.js";
import { Informer, type KubernetesObject, objectKey } from "./informer.js";
import { ItemExponentialRateLimiter } from "../queue/ratelimiter.js";

describe("objectKey", () => {
  it("is namespace/name for namespaced objects and name for cluster-scoped ones", () => {
    expect(objectKey({ metadata: { namespace: "team-a", name: "mcp-1" } })).toBe("team-a/mcp-1");
    expect(objectKey({ metadata: { name: "crossplane" } })).toBe("crossplane");
    expect(objectKey({ metadata: { namespace: "", name: "crossplane" } })).toBe("crossplane");
  });
});

type ConfigMap = KubernetesObject & { data?: Record<string, string> };

let api: FakeApiServer;
let informer: Informer<ConfigMap>;
let seen: string[];

beforeEach(async () => {
  api = new FakeApiServer();
  await api.start();
  const kc = api.kubeConfig();
  informer = new Informer<ConfigMap>({
    kubeConfig: kc,
    path: COLLECTION,
    list: async () => (await request(kc, { method: "GET", path: COLLECTION })) as KubernetesList<ConfigMap>,
    backoff: new ItemExponentialRateLimiter(20, 100),
  });
  seen = [];
  informer.addHandlers({
    add: (o) => seen.push(`add ${o.metadata?.name}=${o.data?.v}`),
    update: (o, prev) => seen.push(`update ${o.metadata?.name} ${prev?.data?.v}->${o.data?.v}`),
    delete: (o) => seen.push(`delete ${o.metadata?.name}`),
  });
});

afterEach(async () => {
  await informer.stop();
  await api.stop();
});

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check(), what).toBe(true);
}

async function started(): Promise<void> {
  await informer.start();
  await informer.waitForSync();
  await until("watching", () => api.activeWatches() === 1);
}

const lastWatchFrom = (): string | null =>
  api.watchRequests().at(-1)?.searchParams.get("resourceVersion") ?? null;

describe("Informer", () => {
  it("lists, then watches from the list's resourceVersion", async () => {
    api.put("a", { v: "1" });
    await started();
    expect(informer.hasSynced()).toBe(true);
    expect(lastWatchFrom()).toBe("101");
    api.put("a", { v: "2" });
    api.put("b", { v: "1" });
    api.remove("a");
    await until("events", () => seen.length === 4);
    expect(seen).toEqual(["add a=1", "update a 1->2", "add b=1", "delete a"]);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(["b"]);
    expect(informer.get("ns/b")?.data).toEqual({ v: "1" });
  });

  it("resumes from the last resourceVersion, a bookmark's included, when the server ends a watch", async () => {
    api.put("a", { v: "1" });
    await started();
    api.put("a", { v: "2" });
    api.put("b", { v: "1" }); // rv 103, then a bookmark at it
    api.bookmark();
    await until("events", () => seen.length === 3);
    api.closeWatches();
    await until("second watch", () => api.watchRequests().length === 2 && api.activeWatches() === 1);
    expect(lastWatchFrom()).toBe("103");
    expect(api.listRequests()).toHaveLength(1);
    expect(informer.restarts()).toBe(0);
  });

  it("lists again on 410 Gone: what vanished meanwhile is deleted, what changed updated", async () => {
    api.put("stays", { v: "1" });
    api.put("goes", { v: "1" });
    await started();
    api.breakConnections();
    // While it is cut off (the restart waits for the backoff): changes, then history compacted.
    api.failures.push(503, 503);
    api.remove("goes");
    api.put("stays", { v: "2" });
    api.put("new", { v: "1" });
    api.compact();
    await until("relisted", () => api.listRequests().length === 2 && api.activeWatches() === 1);
    await until("caught up", () => seen.length === 5);
    expect(seen.slice(2).sort()).toEqual(["add new=1", "delete goes", "update stays 1->2"]);
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(["new", "stays"]);
  });

  it("lists again after an ERROR event with code 410", async () => {
    await started();
    api.put("a", { v: "1" });
    await until("add", () => seen.length === 1);
    api.errorWatches(410);
    await until("relisted", () => api.listRequests().length === 2 && api.activeWatches() === 1);
    expect(informer.restarts()).toBe(0);
    expect(seen).toEqual(["add a=1"]);
  });

  it("restarts with backoff after a failure and counts it; the cache survives", async () => {
    api.put("a", { v: "1" });
    await started();
    api.failures.push(500, 500);
    api.breakConnections();
    await until("restarted", () => informer.restarts() >= 2 && api.activeWatches() === 1);
    expect(informer.hasSynced()).toBe(true);
    expect(informer.get("ns/a")).toBeDefined();
    expect(api.listRequests()).toHaveLength(1);
  });

  it("keeps retrying when the first list fails, and syncs once it succeeds", async () => {
    api.put("a", { v: "1" });
    // 403, not 5xx: the client itself sends a GET answered 5xx again (src/kube/retry.ts).
    api.failures.push(403, 403, 403);
    await informer.start();
    expect(informer.hasSynced()).toBe(false);
    await informer.waitForSync();
    expect(informer.restarts()).toBe(3);
    expect(seen).toEqual(["add a=1"]);
  });

  it("isolates a throwing handler and replays the cache to handlers added late", async () => {
    informer.addHandlers({
      add: () => {
        throw new Error("buggy handler");
      },
    });
    api.put("a", { v: "1" });
    await started();
    api.put("b", { v: "1" });
    await until("watch still delivering", () => seen.length === 2);
    const replayed: string[] = [];
    informer.addHandlers({ add: (o) => replayed.push(o.metadata?.name ?? "") });
    expect(replayed.sort()).toEqual(["a", "b"]);
  });

  it("stop closes the watch and lets waitForSync return", async () => {
    api.failures.push(500);
    await informer.start();
    const waiting = informer.waitForSync();
    await informer.stop();
    await waiting;
    await informer.start();
    await informer.waitForSync();
    await until("watching", () => api.activeWatches() === 1);
    await informer.stop();
    await until("watch closed", () => api.activeWatches() === 0);
    const watches = api.watchRequests().length;
    await new Promise((r) => setTimeout(r, 150));
    expect(api.watchRequests()).toHaveLength(watches);
  });
});
