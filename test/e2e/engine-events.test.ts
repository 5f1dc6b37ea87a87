/**
 * The EventRecorder against a real kube-apiserver: events land on the
 * involved object, identical events within the window are aggregated into one
 * with a count, and failures never reach the caller.
 */
/* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- client-node's models are classes only for its serializer, which sends plain objects just as well */
import { CoreV1Api, type CoreV1Event, type V1ConfigMap } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployFailed, deployed, resourcesReady, setCondition } from "../../src/engine/status/conditions.js";
import { EventRecorder } from "../../src/engine/status/events.js";
import type { Clock } from "../../src/engine/queue/ratelimiter.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor } from "./support/env.js";

const namespace = `engine-events-${Date.now().toString(36)}`;

let kc: KubeConfig;
let core: CoreV1Api;

beforeAll(async () => {
  kc = kubeConfigFor("onboarding");
  core = clientNode(kc).makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

class FakeClock implements Clock {
  t = Date.now();
  now(): number {
    return this.t;
  }
}

async function involved(name: string): Promise<V1ConfigMap & { apiVersion: string; kind: string }> {
  const cm = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, namespace } } });
  return Object.assign(cm, { apiVersion: "v1", kind: "ConfigMap" });
}

async function eventsFor(name: string, ns = namespace): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.name=${name}`,
  });
  // firstTimestamp comes from the recorder's (fake) clock, so it orders events that share a creation second.
  return list.items.sort((a, b) => (a.firstTimestamp?.getTime() ?? 0) - (b.firstTimestamp?.getTime() ?? 0));
}

describe("EventRecorder", () => {
  it("creates an Event pointing at the involved object", async () => {
    const obj = await involved("first");
    const recorder = new EventRecorder({ kubeConfig: kc, instance: "spe-0" });
    await recorder.event(obj, "Warning", "DeployFailed", "Deployed=False: helm upgrade failed");
    const [event, ...rest] = await eventsFor("first");
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: "Warning",
      reason: "DeployFailed",
      message: "Deployed=False: helm upgrade failed",
      count: 1,
      source: { component: "spe", host: "spe-0" },
      reportingComponent: "spe",
      involvedObject: {
        kind: "ConfigMap",
        apiVersion: "v1",
        name: "first",
        namespace,
        uid: obj.metadata!.uid,
      },
    });
  });

  it("aggregates identical events within 10 minutes into one with a count", async () => {
    const obj = await involved("repeated");
    const clock = new FakeClock();
    const recorder = new EventRecorder({ kubeConfig: kc, clock });
    await recorder.event(obj, "Normal", "ResourcesReady", "all ready");
    clock.t += 60_000;
    // Concurrent identical events must not race into two Events.
    await Promise.all([
      recorder.event(obj, "Normal", "ResourcesReady", "all ready"),
      recorder.event(obj, "Normal", "ResourcesReady", "all ready"),
    ]);
    await recorder.event(obj, "Normal", "ResourcesReady", "a different message");

    const events = await eventsFor("repeated");
    expect(events.map((e) => [e.message, e.count])).toEqual([
      ["all ready", 3],
      ["a different message", 1],
    ]);
    const [aggregated] = events;
    expect(
      aggregated!.lastTimestamp!.getTime() - aggregated!.firstTimestamp!.getTime(),
    ).toBeGreaterThanOrEqual(59_000);

    clock.t += 11 * 60_000;
    await recorder.event(obj, "Normal", "ResourcesReady", "all ready");
    expect((await eventsFor("repeated")).map((e) => [e.message, e.count])).toEqual([
      ["all ready", 3],
      ["a different message", 1],
      ["all ready", 1],
    ]);
  });

  it("creates a fresh Event when the aggregated one was deleted", async () => {
    const obj = await involved("expired");
    const recorder = new EventRecorder({ kubeConfig: kc });
    await recorder.event(obj, "Normal", "Deployed", "ok");
    const [first] = await eventsFor("expired");
    await core.deleteNamespacedEvent({ name: first!.metadata.name!, namespace });
    await recorder.event(obj, "Normal", "Deployed", "ok");
    expect((await eventsFor("expired")).map((e) => e.count)).toEqual([1]);
  });

  it("puts events about cluster-scoped objects in the default namespace", async () => {
    const name = `spe-events-${Date.now().toString(36)}`;
    const recorder = new EventRecorder({ kubeConfig: kc });
    await recorder.event(
      { apiVersion: "example.spe.dev/v1", kind: "ProviderConfig", metadata: { name, uid: "0000-1111" } },
      "Warning",
      "ConfigInvalid",
      "versions[0].chartUrl is empty",
    );
    const [event] = await eventsFor(name, "default");
    expect(event).toMatchObject({
      reason: "ConfigInvalid",
      involvedObject: { kind: "ProviderConfig", name },
    });
    await core.deleteNamespacedEvent({ name: event!.metadata.name!, namespace: "default" });
  });

  it("records one event per condition transition", async () => {
    const obj = await involved("transitions");
    const recorder = new EventRecorder({ kubeConfig: kc });
    const t = new Date();
    const before = setCondition(
      setCondition([], deployFailed("helm upgrade failed"), t),
      resourcesReady(),
      t,
    );
    const messageOnly = setCondition(before, deployFailed("helm upgrade failed again"), t);
    await recorder.conditionEvents(obj, before, messageOnly);
    expect(await eventsFor("transitions")).toEqual([]);
    await recorder.conditionEvents(obj, before, setCondition(before, deployed(), t));
    expect((await eventsFor("transitions")).map((e) => [e.type, e.reason, e.message])).toEqual([
      ["Normal", "DeploySucceeded", "Deployed=True: All deploy units applied"],
    ]);
  });

  it("never rejects: an unreachable cluster or a refused event is dropped", async () => {
    const unreachable = new KubeConfig();
    unreachable.loadFromOptions({
      clusters: [{ name: "gone", server: "https://127.0.0.1:1", skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "c", cluster: "gone", user: "u" }],
      currentContext: "c",
    });
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace } };
    await expect(new EventRecorder({ kubeConfig: unreachable }).event(obj, "Normal", "R", "m")).resolves.toBe(
      undefined,
    );
    const missingNamespace = { ...obj, metadata: { name: "x", namespace: "does-not-exist" } };
    await expect(
      new EventRecorder({ kubeConfig: kc }).event(missingNamespace, "Normal", "R", "m"),
    ).resolves.toBe(undefined);
  });
});
