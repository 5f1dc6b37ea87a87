import { describe, expect, it } from "vitest";
import {
  type Condition,
  ConditionType,
  Reason,
  conditionTransitions,
  configNotResolved,
  configResolved,
  deletionBlocked,
  deletionNotBlocked,
  deployFailed,
  deployed,
  findCondition,
  isConditionTrue,
  removeCondition,
  resourcesNotReady,
  resourcesReady,
  setCondition,
  summarizeReady,
  targetReachable,
  transitionEvent,
} from "./conditions.js";

const t0 = new Date("2025-01-01T10:00:00.123Z");
const t1 = new Date("2025-01-01T10:05:00.999Z");

function allGood(now = t0): Condition[] {
  return [configResolved(), targetReachable(), deployed(), resourcesReady()].reduce<Condition[]>(
    (list, c) => setCondition(list, c, now),
    [],
  );
}

/** Sub-conditions set in order, then Ready as summarizeReady decides it. */
function summarized(inputs: Parameters<typeof setCondition>[1][]): Condition[] {
  const list = inputs.reduce<Condition[]>((l, c) => setCondition(l, c, t0), []);
  return setCondition(list, summarizeReady(list).ready, t0);
}

describe("setCondition", () => {
  it("adds a condition with a seconds-precision transition time", () => {
    const list = setCondition([], configResolved(), t0);
    expect(list).toEqual([
      {
        type: "ConfigResolved",
        status: "True",
        reason: "ConfigResolved",
        message: "ServiceProviderConfig resolved",
        lastTransitionTime: "2025-01-01T10:00:00Z",
      },
    ]);
  });

  it("keeps lastTransitionTime while the status stays, updating reason and message", () => {
    const before = setCondition([], resourcesNotReady("Deployment a: 0/1"), t0);
    const after = setCondition(before, resourcesNotReady("Deployment a: 0/1 available", "Progressing"), t1);
    expect(after[0]).toMatchObject({
      message: "Deployment a: 0/1 available",
      reason: "Progressing",
      lastTransitionTime: "2025-01-01T10:00:00Z",
    });
  });

  it("moves lastTransitionTime when the status changes", () => {
    const before = setCondition([], resourcesNotReady("waiting"), t0);
    const after = setCondition(before, resourcesReady(), t1);
    expect(findCondition(after, "ResourcesReady")?.lastTransitionTime).toBe("2025-01-01T10:05:00Z");
  });

  it("does not modify its input, keeps positions and puts a new Ready first", () => {
    const list = allGood();
    const snapshot = structuredClone(list);
    const next = setCondition(list, { ...summarizeReady(list).ready }, t1);
    const changed = setCondition(next, deployFailed("helm upgrade failed"), t1);
    expect(list).toEqual(snapshot);
    expect(changed.map((c) => c.type)).toEqual([
      "Ready",
      "ConfigResolved",
      "TargetReachable",
      "Deployed",
      "ResourcesReady",
    ]);
    expect(isConditionTrue(changed, "Deployed")).toBe(false);
    expect(removeCondition(changed, "Ready").map((c) => c.type)).not.toContain("Ready");
  });
});

describe("summarizeReady", () => {
  it("is Ready/ReconcileSuccess when every sub-condition is True", () => {
    expect(summarizeReady(allGood(), { generation: 3 })).toEqual({
      phase: "Ready",
      ready: {
        type: "Ready",
        status: "True",
        reason: "ReconcileSuccess",
        message: "Reconcile succeeded",
        observedGeneration: 3,
      },
    });
  });

  it("is Progressing/ReconcileError naming the first failing sub-condition in reconcile order", () => {
    let list = allGood();
    list = setCondition(list, resourcesNotReady("Deployment x not available"), t1);
    list = setCondition(list, configNotResolved("No ProviderConfig found"), t1);
    const { ready, phase } = summarizeReady(list);
    expect(phase).toBe("Progressing");
    expect(ready).toMatchObject({ status: "False", reason: Reason.ReconcileError });
    expect(ready.message).toBe("ConfigResolved ConfigNotFound: No ProviderConfig found");
  });

  it("is not Ready while a sub-condition has never been set", () => {
    const list = setCondition([], configResolved(), t0);
    const { ready, phase } = summarizeReady(list);
    expect(phase).toBe("Progressing");
    expect(ready.message).toBe("TargetReachable not yet observed");
  });

  it("respects a custom set of sub-conditions", () => {
    const list = setCondition([], configResolved(), t0);
    expect(summarizeReady(list, { dependsOn: ["ConfigResolved"] }).phase).toBe("Ready");
  });

  it("is Terminating while deleting, explaining a blocked deletion", () => {
    const blocked = setCondition(allGood(), deletionBlocked("3 Buckets still exist on the MCP"), t1);
    expect(summarizeReady(blocked, { deleting: true })).toEqual({
      phase: "Terminating",
      ready: {
        type: "Ready",
        status: "False",
        reason: "Terminating",
        message: "3 Buckets still exist on the MCP",
      },
    });
    const unblocked = setCondition(blocked, deletionNotBlocked(), t1);
    expect(summarizeReady(unblocked, { deleting: true }).ready.message).toBe("Deleting");
  });

  it("ignores DeletionBlocked when not deleting", () => {
    const list = setCondition(allGood(), deletionBlocked("users"), t1);
    expect(summarizeReady(list).phase).toBe("Ready");
  });
});

describe("conditionTransitions / transitionEvent", () => {
  it("reports added, changed and removed conditions, not message-only changes", () => {
    const before = setCondition(
      setCondition([], configResolved(), t0),
      resourcesNotReady("0/1 available"),
      t0,
    );
    let after = setCondition(before, resourcesNotReady("0/2 available"), t1);
    expect(conditionTransitions(before, after)).toEqual([]);

    after = setCondition(after, resourcesReady(), t1);
    after = setCondition(after, deployed(), t1);
    after = removeCondition(after, ConditionType.ConfigResolved);
    const changes = conditionTransitions(before, after);
    expect(changes.map((c) => [c.type, c.previous?.status, c.current?.status])).toEqual([
      ["ResourcesReady", "False", "True"],
      ["Deployed", undefined, "True"],
      ["ConfigResolved", "True", undefined],
    ]);
  });

  it("reports a reason change with the same status", () => {
    const before = setCondition([], deployFailed("timeout", "HelmTimeout"), t0);
    const after = setCondition(before, deployFailed("bad values", "HelmValuesInvalid"), t1);
    expect(conditionTransitions(before, after)).toHaveLength(1);
  });

  it("turns a transition into a Warning when a condition goes bad, Normal when it recovers", () => {
    const bad = setCondition([], deployFailed("helm upgrade failed"), t0);
    const good = setCondition(bad, deployed(), t1);
    const [failed] = conditionTransitions([], bad);
    const [recovered] = conditionTransitions(bad, good);
    expect(transitionEvent(failed!)).toEqual({
      type: "Warning",
      reason: "DeployFailed",
      message: "Deployed=False: helm upgrade failed",
    });
    expect(transitionEvent(recovered!)?.type).toBe("Normal");
  });

  it("gives a new object that deploys and becomes Ready one event, and no Warning while it waits", () => {
    const first = summarized([
      configResolved(),
      targetReachable(),
      deployed(),
      resourcesNotReady("0/1 available"),
    ]);
    const ready = summarized([configResolved(), targetReachable(), deployed(), resourcesReady()]);
    const events = (before: Condition[], after: Condition[]) =>
      conditionTransitions(before, after).flatMap((t) => transitionEvent(t) ?? []);
    expect(events([], first)).toEqual([]);
    expect(events(first, ready)).toEqual([
      { type: "Normal", reason: "ReconcileSuccess", message: "Ready=True: Reconcile succeeded" },
    ]);
    // Resources that were ready and are not any more: that is news.
    const degraded = summarized([
      configResolved(),
      targetReachable(),
      deployed(),
      resourcesNotReady("0/1 available"),
    ]);
    expect(events(ready, degraded)).toEqual([
      { type: "Warning", reason: "ResourcesNotReady", message: "ResourcesReady=False: 0/1 available" },
    ]);
    expect(events([], summarized([configNotResolved("no ProviderConfig x")]))).toEqual([
      { type: "Warning", reason: "ConfigNotFound", message: "ConfigResolved=False: no ProviderConfig x" },
    ]);
  });

  it("treats DeletionBlocked=True as the bad state", () => {
    const [blocked] = conditionTransitions([], setCondition([], deletionBlocked("users"), t0));
    expect(transitionEvent(blocked!)).toMatchObject({ type: "Warning", reason: "UserResourcesPresent" });
    const blockedList = setCondition([], deletionBlocked("users"), t0);
    const [unblocked] = conditionTransitions(
      blockedList,
      setCondition(blockedList, deletionNotBlocked(), t1),
    );
    expect(transitionEvent(unblocked!)?.type).toBe("Normal");
    const [neverBlocked] = conditionTransitions([], setCondition([], deletionNotBlocked(), t0));
    expect(transitionEvent(neverBlocked!)).toBeUndefined();
  });
});
