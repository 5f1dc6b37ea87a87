import { type AddressInfo, type Socket, createServer } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { COLLECTION, FakeApiServer } from "../../test/unit/support/loopback-apiserver.js";
import { KubeApiError } from "./http.js";
import { KubeConfig } from "./kubeconfig.js";
import { type WatchEvent, watch } from "./watch.js";

let api: FakeApiServer;

beforeEach(async () => {
  api = new FakeApiServer();
  await api.start();
});

afterEach(async () => {
  await api.stop();
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

function collect(): { events: WatchEvent[]; onEvent: (e: WatchEvent) => void } {
  const events: WatchEvent[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

describe("watch", () => {
  it("asks like client-go's reflector: from a resourceVersion, with bookmarks and a server timeout", async () => {
    const { onEvent } = collect();
    const w = await watch(
      api.kubeConfig(),
      { path: COLLECTION, resourceVersion: "100", labelSelector: "a=b", timeoutSeconds: 42 },
      onEvent,
    );
    const [url] = api.watchRequests();
    expect(Object.fromEntries(url!.searchParams)).toEqual({
      watch: "true",
      allowWatchBookmarks: "true",
      resourceVersion: "100",
      labelSelector: "a=b",
      timeoutSeconds: "42",
    });
    expect(api.requests[0]?.headers.authorization).toBe("Bearer test-token");
    api.closeWatches();
    expect(await w.done).toEqual({ kind: "closed" });
  });

  it("picks a server timeout between 5 and 10 minutes by default", async () => {
    const w = await watch(api.kubeConfig(), { path: COLLECTION }, collect().onEvent);
    const seconds = Number(api.watchRequests()[0]?.searchParams.get("timeoutSeconds"));
    expect(seconds).toBeGreaterThanOrEqual(300);
    expect(seconds).toBeLessThan(600);
    api.closeWatches();
    await w.done;
  });

  it("delivers events and bookmarks in order until the server ends the watch", async () => {
    const { events, onEvent } = collect();
    const w = await watch(api.kubeConfig(), { path: COLLECTION, resourceVersion: "100" }, onEvent);
    api.put("a", { v: "1" });
    api.bookmark();
    api.remove("a");
    await until(() => events.length === 3);
    api.closeWatches();
    expect(await w.done).toEqual({ kind: "closed" });
    expect(events.map((e) => [e.type, e.object.metadata?.resourceVersion])).toEqual([
      ["ADDED", "101"],
      ["BOOKMARK", "101"],
      ["DELETED", "102"],
    ]);
  });

  it("ends as expired on 410 Gone, when opening or as an ERROR event", async () => {
    api.put("a", { v: "1" });
    api.compact();
    const opened = await watch(
      api.kubeConfig(),
      { path: COLLECTION, resourceVersion: "100" },
      collect().onEvent,
    );
    const atOpen = await opened.done;
    expect(atOpen.kind).toBe("expired");
    const later = await watch(
      api.kubeConfig(),
      { path: COLLECTION, resourceVersion: "101" },
      collect().onEvent,
    );
    api.errorWatches(410);
    expect(await later.done).toMatchObject({ kind: "expired", error: { status: 410, reason: "Expired" } });
  });

  it("ends as failed on other errors: an HTTP error, an ERROR event, a broken connection, a bad line", async () => {
    api.failures.push(500);
    const refused = await (await watch(api.kubeConfig(), { path: COLLECTION }, collect().onEvent)).done;
    expect(refused).toMatchObject({ kind: "failed", error: { status: 500, reason: "Injected" } });
    expect((refused as { error: unknown }).error).toBeInstanceOf(KubeApiError);

    const errored = await watch(api.kubeConfig(), { path: COLLECTION }, collect().onEvent);
    api.errorWatches(500);
    expect(await errored.done).toMatchObject({ kind: "failed", error: { status: 500 } });

    const broken = await watch(api.kubeConfig(), { path: COLLECTION }, collect().onEvent);
    api.breakConnections();
    expect((await broken.done).kind).toBe("failed");

    const garbled = await watch(api.kubeConfig(), { path: COLLECTION }, collect().onEvent);
    api.writeWatches("not json\n");
    expect(await garbled.done).toMatchObject({
      kind: "failed",
      error: { message: "malformed watch event: not JSON" },
    });
  });

  it("ends as failed when the handler throws", async () => {
    const w = await watch(api.kubeConfig(), { path: COLLECTION }, () => {
      throw new Error("handler bug");
    });
    api.put("a", { v: "1" });
    expect(await w.done).toMatchObject({ kind: "failed", error: { message: "handler bug" } });
  });

  it("closes the connection when the caller aborts, and ends as closed", async () => {
    const abort = new AbortController();
    const w = await watch(api.kubeConfig(), { path: COLLECTION, signal: abort.signal }, collect().onEvent);
    await until(() => api.activeWatches() === 1);
    abort.abort();
    expect(await w.done).toEqual({ kind: "closed" });
    await until(() => api.activeWatches() === 0);
  });

  it("ends as silent when nothing arrives for the idle timeout, and bookmarks keep it alive", async () => {
    const w = await watch(api.kubeConfig(), { path: COLLECTION, idleTimeoutMs: 300 }, collect().onEvent);
    const opened = Date.now();
    // Each bookmark restarts the clock; the watch outlives several idle timeouts while they come.
    while (Date.now() - opened < 900) {
      api.bookmark();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(api.activeWatches()).toBe(1);
    expect(await w.done).toEqual({ kind: "silent", idleMs: 300 });
    await until(() => api.activeWatches() === 0);
  });

  it("ends as silent when the server accepts the connection and never answers", async () => {
    const sockets: Socket[] = [];
    const mute = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", resolve));
    const muted = new KubeConfig();
    muted.loadFromOptions({
      clusters: [{ name: "mute", server: `http://127.0.0.1:${(mute.address() as AddressInfo).port}` }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "mute", cluster: "mute", user: "u" }],
      currentContext: "mute",
    });
    const w = await watch(muted, { path: COLLECTION, idleTimeoutMs: 200 }, collect().onEvent);
    expect(await w.done).toEqual({ kind: "silent", idleMs: 200 });
    for (const s of sockets) s.destroy();
    await new Promise((r) => mute.close(r));
  });

  it("reports an unreachable server as failed", async () => {
    const kc = api.kubeConfig();
    await api.stop();
    const w = await watch(kc, { path: COLLECTION }, collect().onEvent);
    expect(await w.done).toMatchObject({ kind: "failed", error: { code: "ECONNREFUSED" } });
    api = new FakeApiServer();
    await api.start();
  });
});
