/**
 * Leader election between two electors on one real Lease: exactly one leads,
 * a graceful stop hands over within the lease duration, and a leader cut off
 * from the apiserver steps down at its renew deadline while the other takes over.
 */
import { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LeaderElector, type LeaderElectionOptions } from "../../src/engine/runtime/leader.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { CuttableProxy, eventually } from "./engine-support.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor } from "./support/env.js";

const namespace = `engine-leader-${Date.now().toString(36)}`;
const timing = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 250 };

let kc: KubeConfig;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  kc = kubeConfigFor("platform");
  const core = clientNode(kc).makeApiClient(CoreV1Api);
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- a plain object serializes like the model class
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await clientNode(kc).makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
});

interface Candidate {
  elector: LeaderElector;
  log: string[];
  leadership?: AbortSignal;
  done: Promise<void>;
}

function candidate(identity: string, lease: string, config: KubeConfig = kc): Candidate {
  const c: Partial<Candidate> & { log: string[] } = { log: [] };
  const options: LeaderElectionOptions = {
    kubeConfig: config,
    namespace,
    name: lease,
    identity,
    ...timing,
    onStartedLeading: (signal) => {
      c.log.push("started");
      c.leadership = signal;
    },
    onStoppedLeading: () => c.log.push("stopped"),
  };
  c.elector = new LeaderElector(options);
  electors.push(c.elector);
  c.done = c.elector.run();
  return c as Candidate;
}

async function holder(lease: string): Promise<string | undefined> {
  const leases = clientNode(kc).makeApiClient(CoordinationV1Api);
  const l = await leases.readNamespacedLease({ name: lease, namespace });
  return l.spec?.holderIdentity;
}

async function leaderOf(...cs: Candidate[]): Promise<Candidate> {
  return eventually("a leader", () => cs.find((c) => c.elector.isLeader()), 15_000, 50);
}

describe("LeaderElector", () => {
  it("lets exactly one of two electors lead, and records it in the Lease", async () => {
    const a = candidate("a", "one-leader");
    const b = candidate("b", "one-leader");
    const leader = await leaderOf(a, b);
    const follower = leader === a ? b : a;
    // Watch them for several renew cycles: never two leaders, never a change of leader.
    for (let i = 0; i < 20; i++) {
      expect([a, b].filter((c) => c.elector.isLeader())).toEqual([leader]);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await holder("one-leader")).toBe(leader === a ? "a" : "b");
    expect(leader.log).toEqual(["started"]);
    expect(follower.log).toEqual([]);
  });

  it("hands over within the lease duration when the leader stops gracefully", async () => {
    const a = candidate("a", "handover");
    const b = candidate("b", "handover");
    const leader = await leaderOf(a, b);
    const next = leader === a ? b : a;
    const stoppedAt = Date.now();
    await leader.elector.stop();
    await leader.done;
    expect(leader.log).toEqual(["started", "stopped"]);
    expect(leader.leadership?.aborted).toBe(true);
    await eventually("successor", () => (next.elector.isLeader() ? true : undefined), 10_000, 20);
    // The released lease is taken at the successor's next retry, far sooner than expiry.
    expect(Date.now() - stoppedAt).toBeLessThan(timing.leaseDurationMs);
    expect(await holder("handover")).toBe(next === a ? "a" : "b");
  });

  it("steps down at the renew deadline when cut off, and the other takes over after expiry", async () => {
    const proxy = new CuttableProxy(new URL(kc.getCurrentCluster()!.server));
    await proxy.open();
    const a = candidate("a", "cut-off", proxy.kubeConfig(kc));
    await leaderOf(a);
    const b = candidate("b", "cut-off");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(b.elector.isLeader()).toBe(false);

    const cutAt = Date.now();
    await proxy.cut();
    await a.done;
    const steppedDown = Date.now() - cutAt;
    expect(a.log).toEqual(["started", "stopped"]);
    expect(steppedDown).toBeGreaterThanOrEqual(timing.renewDeadlineMs - timing.retryPeriodMs);
    expect(steppedDown).toBeLessThan(timing.leaseDurationMs);

    await eventually("b leads", () => (b.elector.isLeader() ? true : undefined), 10_000, 20);
    expect(await holder("cut-off")).toBe("b");
  });

  it("rejects timings that cannot work", () => {
    expect(
      () =>
        new LeaderElector({
          kubeConfig: kc,
          namespace,
          name: "x",
          identity: "x",
          leaseDurationMs: 2_000,
          renewDeadlineMs: 3_000,
        }),
    ).toThrow(/leaseDuration > renewDeadline > retryPeriod/);
  });
});
