/**
 * The resilient informer against a real kube-apiserver: cache, handlers and
 * label selector, and recovery after the connection to the apiserver breaks
 * (a plain TCP proxy in front of the real apiserver that we can cut).
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models are classes only for its serializer, which sends plain objects just as well */
import { CoreV1Api, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Informer, type KubernetesObject, type ListResult } from "../../src/engine/cache/informer.js";
import { ItemExponentialRateLimiter } from "../../src/engine/queue/ratelimiter.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { CuttableProxy, eventually } from "./engine-support.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor } from "./support/env.js";

const namespace = `engine-informer-${Date.now().toString(36)}`;
const LABEL = "spe.dev/informer-test";

let kc: KubeConfig;
let core: CoreV1Api;
const informers: Informer<ConfigMap>[] = [];

/** What the informer holds: the apiserver's JSON. */
type ConfigMap = KubernetesObject & { data?: Record<string, string> };

beforeAll(async () => {
  kc = kubeConfigFor("platform");
  core = clientNode(kc).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

function configMap(name: string, data: Record<string, string>, labelled = true): V1ConfigMap {
  return { metadata: { name, namespace, labels: labelled ? { [LABEL]: "true" } : {} }, data };
}

function informerVia(config: KubeConfig): Informer<ConfigMap> {
  const path = `/api/v1/namespaces/${namespace}/configmaps`;
  const informer = new Informer<ConfigMap>({
    kubeConfig: config,
    path,
    list: async ({ labelSelector }) => {
      const query = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : "";
      return (await KubeClient.for(config).send({
        method: "GET",
        path: path + query,
      })) as ListResult<ConfigMap>;
    },
    labelSelector: `${LABEL}=true`,
    backoff: new ItemExponentialRateLimiter(50, 400),
  });
  informers.push(informer);
  return informer;
}

describe("Informer", () => {
  it("lists, then follows adds, updates and deletes of matching objects only", async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap("before", { v: "1" }) });
    await core.createNamespacedConfigMap({ namespace, body: configMap("unlabelled", { v: "1" }, false) });
    const informer = informerVia(kc);
    const seen: string[] = [];
    informer.addHandlers({
      add: (o) => seen.push(`add ${o.metadata!.name}`),
      update: (o, prev) => seen.push(`update ${o.metadata!.name} ${prev?.data?.v}->${o.data?.v}`),
      delete: (o) => seen.push(`delete ${o.metadata!.name}`),
    });
    expect(informer.hasSynced()).toBe(false);
    await informer.start();
    await informer.waitForSync();
    expect(informer.hasSynced()).toBe(true);
    expect(informer.list().map((o) => o.metadata!.name)).toEqual(["before"]);

    await core.createNamespacedConfigMap({ namespace, body: configMap("after", { v: "1" }) });
    await core.replaceNamespacedConfigMap({ name: "after", namespace, body: configMap("after", { v: "2" }) });
    await core.deleteNamespacedConfigMap({ name: "before", namespace });
    await eventually("delete observed", () =>
      Promise.resolve(seen.includes("delete before") ? true : undefined),
    );

    expect(seen).toEqual(["add before", "add after", "update after 1->2", "delete before"]);
    expect(informer.get(`${namespace}/after`)?.data).toEqual({ v: "2" });
    expect(informer.get(`${namespace}/before`)).toBeUndefined();
    expect(informer.list(namespace)).toHaveLength(1);
    expect(informer.list("elsewhere")).toHaveLength(0);
    await core.deleteNamespacedConfigMap({ name: "after", namespace });
  });

  it("replays cached objects to handlers added late and survives a throwing handler", async () => {
    await core.createNamespacedConfigMap({ namespace, body: configMap("late", { v: "1" }) });
    const informer = informerVia(kc);
    informer.addHandlers({
      add: () => {
        throw new Error("buggy handler");
      },
    });
    await informer.start();
    await informer.waitForSync();
    const replayed: string[] = [];
    informer.addHandlers({ add: (o) => replayed.push(o.metadata!.name!) });
    expect(replayed).toEqual(["late"]);
    await core.createNamespacedConfigMap({ namespace, body: configMap("late-2", { v: "1" }) });
    await eventually("watch still running", () => Promise.resolve(informer.get(`${namespace}/late-2`)));
    await core.deleteNamespacedConfigMap({ name: "late", namespace });
    await core.deleteNamespacedConfigMap({ name: "late-2", namespace });
  });

  it("restarts after the connection breaks and catches up with what changed meanwhile", async () => {
    const server = new URL(kc.getCurrentCluster()!.server);
    const proxy = new CuttableProxy(server);
    await proxy.open();
    await core.createNamespacedConfigMap({ namespace, body: configMap("stays", { v: "1" }) });
    await core.createNamespacedConfigMap({ namespace, body: configMap("goes", { v: "1" }) });
    const informer = informerVia(proxy.kubeConfig(kc));
    await informer.start();
    await informer.waitForSync();
    expect(
      informer
        .list()
        .map((o) => o.metadata!.name)
        .sort(),
    ).toEqual(["goes", "stays"]);

    await proxy.cut();
    // Changes while the informer cannot reach the apiserver.
    await core.deleteNamespacedConfigMap({ name: "goes", namespace });
    await core.createNamespacedConfigMap({ namespace, body: configMap("new", { v: "1" }) });
    await core.replaceNamespacedConfigMap({ name: "stays", namespace, body: configMap("stays", { v: "2" }) });
    await eventually("restart attempts while cut off", () =>
      Promise.resolve(informer.restarts() >= 2 ? true : undefined),
    );
    expect(informer.get(`${namespace}/new`)).toBeUndefined();

    await proxy.open();
    await eventually("informer caught up", () => {
      const names = informer
        .list()
        .map((o) => o.metadata!.name)
        .sort();
      const stays = informer.get(`${namespace}/stays`)?.data?.v;
      return Promise.resolve(names.join(",") === "new,stays" && stays === "2" ? true : undefined);
    });
    expect(informer.hasSynced()).toBe(true);
    await informer.stop();
    await proxy.cut();
  });

  it("keeps retrying when the apiserver is unreachable at start, and syncs once it is back", async () => {
    const proxy = new CuttableProxy(new URL(kc.getCurrentCluster()!.server));
    await proxy.open();
    const proxied = proxy.kubeConfig(kc);
    await proxy.cut();
    await core.createNamespacedConfigMap({ namespace, body: configMap("waiting", { v: "1" }) });
    const informer = informerVia(proxied);
    await informer.start();
    await eventually("restart attempts", () => Promise.resolve(informer.restarts() >= 2 ? true : undefined));
    expect(informer.hasSynced()).toBe(false);
    await proxy.open();
    await informer.waitForSync();
    expect(informer.get(`${namespace}/waiting`)).toBeDefined();
    await informer.stop();
    await proxy.cut();
  });
});
