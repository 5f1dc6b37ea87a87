/**
 * spe's Kubernetes client through the fault proxy (test/support/fault-proxy.ts) in front of a
 * real apiserver: the proxy's faults do what they say (a 429 is retried after its
 * Retry-After, a paused request completes on resume, a cut ends a watch, a request into a
 * black hole times out), and a watch whose connection is half-open (the server's bytes no
 * longer arrive, nothing is closed) is noticed within its idle timeout and resumed from its
 * resourceVersion, catching up with what changed meanwhile without a new list.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Informer, type KubernetesObject } from "../../src/engine/cache/informer.js";
import { KubeClient } from "../../src/kube/client.js";
import { request } from "../../src/kube/http.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { listPaged } from "../../src/kube/pages.js";
import { watch } from "../../src/kube/watch.js";
import { type FaultProxy, isWatch, startFaultProxy } from "../support/fault-proxy.js";
import { eventually } from "./engine-support.js";
import { kubeConfigFor } from "./support/env.js";
import { kubeConfigOf, serviceAccountToken, servingCertificate, tokenKubeconfig } from "./support/tokens.js";

const NS = `kube-faults-${randomBytes(3).toString("hex")}`;
const COLLECTION = `/api/v1/namespaces/${NS}/configmaps`;
const IDLE_MS = 2_000;
const admin = (): KubeClient => KubeClient.for(kubeConfigFor("mcp"));
let proxy: FaultProxy;
let proxied: KubeConfig;

type ConfigMap = KubernetesObject & { data?: Record<string, string> };

async function putConfigMap(name: string, v: string): Promise<void> {
  await admin().apply(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: NS }, data: { v } },
    { manager: "e2e", force: true },
  );
}

beforeAll(async () => {
  const token = await serviceAccountToken("mcp", NS, "faults");
  const mcp = kubeConfigFor("mcp");
  proxy = await startFaultProxy({
    target: new URL(mcp.getCurrentCluster()!.server),
    tls: await servingCertificate(),
  });
  proxied = kubeConfigOf(tokenKubeconfig("mcp", token, proxy.url));
});

afterAll(async () => {
  await proxy.close();
  await admin().delete({ apiVersion: "v1", kind: "Namespace", name: NS });
  await admin().delete({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    name: `${NS}-faults`,
  });
});

describe("the fault proxy in front of a real apiserver", () => {
  it("forwards, and answers 429 until told otherwise: the client retries after Retry-After", async () => {
    expect(await request(proxied, { method: "GET", path: "/version" })).toMatchObject({
      gitVersion: expect.stringMatching(/^v1\./) as unknown,
    });
    // Every request from now on comes on a new connection, which meets the 429.
    proxy.cut();
    proxy.meet({ kind: "tooManyRequests", retryAfterSeconds: 1 });
    const answered = proxy.tooManyRequestsAnswered;
    const read = request(proxied, { method: "GET", path: `/api/v1/namespaces/${NS}` });
    await eventually("a 429 answered", () => (proxy.tooManyRequestsAnswered > answered ? true : undefined));
    proxy.meet({ kind: "forward" });
    expect(await read).toMatchObject({ metadata: { name: NS } });
  });

  it("holds a paused connection's bytes until resumed, and cuts an open watch", async () => {
    // A pooled connection, open and idle after this request.
    await request(proxied, { method: "GET", path: COLLECTION });
    expect(proxy.pause((c) => !isWatch(c))).toBeGreaterThan(0);
    let answered = false;
    const read = request(proxied, { method: "GET", path: COLLECTION }).then((body) => {
      answered = true;
      return body;
    });
    await eventually("the request reached the proxy", () =>
      proxy.connections().some((c) => c.state === "paused") ? true : undefined,
    );
    expect(answered).toBe(false);
    proxy.resume();
    expect(await read).toMatchObject({ kind: "ConfigMapList" });

    const w = await watch(proxied, { path: COLLECTION }, () => undefined);
    expect(proxy.connections().filter(isWatch)).toHaveLength(1);
    expect(proxy.cut(isWatch)).toBe(1);
    expect((await w.done).kind).toBe("failed");
  });

  it("swallows requests into a black hole: they time out", async () => {
    proxy.cut();
    proxy.meet({ kind: "blackhole" });
    try {
      await expect(request(proxied, { method: "GET", path: COLLECTION, timeoutMs: 500 })).rejects.toThrow(
        /timed out/,
      );
    } finally {
      proxy.meet({ kind: "forward" });
    }
  });
});

describe("a watch on a half-open connection", () => {
  it("is noticed within its idle timeout and resumed from its resourceVersion", async () => {
    await putConfigMap("watched", "1");
    let lists = 0;
    const client = KubeClient.for(proxied);
    const informer = new Informer<ConfigMap>({
      kubeConfig: proxied,
      path: COLLECTION,
      list: async () => {
        lists++;
        const body = await listPaged((page) => client.send({ method: "GET", path: page }), COLLECTION, {});
        return {
          items: body.items as ConfigMap[],
          metadata: { resourceVersion: body.resourceVersion ?? "" },
        };
      },
      watchIdleMs: IDLE_MS,
    });
    await informer.start();
    await informer.waitForSync();
    try {
      expect(informer.get(`${NS}/watched`)?.data).toEqual({ v: "1" });
      await eventually("the watch runs", () => (proxy.connections().some(isWatch) ? true : undefined));
      expect(proxy.halfOpen(isWatch)).toBe(1);
      await putConfigMap("watched", "2");
      await eventually(
        "the change seen",
        () => (informer.get(`${NS}/watched`)?.data?.v === "2" ? true : undefined),
        IDLE_MS + 10_000,
      );
      expect(informer.silences()).toBeGreaterThanOrEqual(1);
      expect(lists).toBe(1);
      expect(proxy.connections().filter((c) => isWatch(c) && c.state === "forwarding")).toHaveLength(1);
    } finally {
      await informer.stop();
    }
  });
});
