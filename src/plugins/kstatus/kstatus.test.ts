import { describe, expect, it } from "vitest";
import { computeStatus } from "./kstatus.js";

type Obj = Record<string, unknown>;

function deployment(status: Obj, spec: Obj = { replicas: 2 }, generation = 3): Obj {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", generation }, spec, status };
}

const availableDeployment: Obj = {
  observedGeneration: 3,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    { type: "Available", status: "True" },
    { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
  ],
};

describe("computeStatus: Deployment", () => {
  it("is Current when every replica is updated, ready and available", () => {
    expect(computeStatus(deployment(availableDeployment))).toEqual({
      phase: "Current",
      message: "Deployment is available. Replicas: 2",
    });
  });

  it("is InProgress while the controller has not observed the latest generation", () => {
    const s = computeStatus(deployment({ ...availableDeployment, observedGeneration: 2 }));
    expect(s.phase).toBe("InProgress");
    expect(s.message).toContain("observed generation is 2");
  });

  it.each([
    ["replicas", { replicas: 1 }, "Replicas: 1/2"],
    ["updatedReplicas", { updatedReplicas: 1 }, "Updated: 1/2"],
    ["availableReplicas", { availableReplicas: 1 }, "Available: 1/2"],
    ["readyReplicas", { readyReplicas: 0 }, "Ready: 0/2"],
  ])("is InProgress when %s is short", (_field, patch, message) => {
    expect(computeStatus(deployment({ ...availableDeployment, ...patch }))).toEqual({
      phase: "InProgress",
      message,
    });
  });

  it("is InProgress while old replicas are still terminating", () => {
    const s = computeStatus(deployment({ ...availableDeployment, replicas: 3 }));
    expect(s).toEqual({ phase: "InProgress", message: "Pending termination: 1" });
  });

  it("is InProgress when the Available condition is False", () => {
    const conditions = [{ type: "Available", status: "False", reason: "MinimumReplicasUnavailable" }];
    expect(computeStatus(deployment({ ...availableDeployment, conditions })).phase).toBe("InProgress");
  });

  it("is Failed when the progress deadline was exceeded", () => {
    const conditions = [
      { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "timed out" },
    ];
    expect(computeStatus(deployment({ ...availableDeployment, readyReplicas: 0, conditions }))).toEqual({
      phase: "Failed",
      message: "timed out",
    });
  });

  it("defaults spec.replicas to 1", () => {
    const status = {
      observedGeneration: 3,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    };
    expect(computeStatus(deployment(status, {})).phase).toBe("Current");
  });

  it("is InProgress right after creation, before the controller wrote any status", () => {
    expect(computeStatus(deployment({}, { replicas: 1 }, 1)).phase).toBe("InProgress");
  });

  it("is Current when scaled to zero", () => {
    expect(computeStatus(deployment({ observedGeneration: 3 }, { replicas: 0 })).phase).toBe("Current");
  });
});

describe("computeStatus: StatefulSet", () => {
  const sts = (status: Obj, spec: Obj = { replicas: 2 }): Obj => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "s", generation: 1 },
    spec,
    status: { observedGeneration: 1, ...status },
  });
  const done = {
    replicas: 2,
    readyReplicas: 2,
    updatedReplicas: 2,
    currentRevision: "r1",
    updateRevision: "r1",
  };

  it("is Current when all replicas are ready on the update revision", () => {
    expect(computeStatus(sts(done)).phase).toBe("Current");
  });

  it("is InProgress while replicas are not ready", () => {
    expect(computeStatus(sts({ ...done, readyReplicas: 1 }))).toEqual({
      phase: "InProgress",
      message: "Ready: 1/2",
    });
  });

  it("is InProgress while the rollout to a new revision runs", () => {
    expect(computeStatus(sts({ ...done, updateRevision: "r2" })).phase).toBe("InProgress");
  });

  it("only expects replicas above the partition to be updated", () => {
    const spec = { replicas: 2, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 1 } } };
    expect(computeStatus(sts({ ...done, updatedReplicas: 1, updateRevision: "r2" }, spec)).phase).toBe(
      "Current",
    );
  });
});

describe("computeStatus: DaemonSet and ReplicaSet", () => {
  const ds = (status: Obj): Obj => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "ds", generation: 1 },
    status: { observedGeneration: 1, ...status },
  });
  const dsDone = {
    desiredNumberScheduled: 3,
    currentNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberAvailable: 3,
    numberReady: 3,
  };

  it("DaemonSet is Current when every node runs an updated, available pod", () => {
    expect(computeStatus(ds(dsDone)).phase).toBe("Current");
  });

  it("DaemonSet is InProgress while pods are unavailable", () => {
    expect(computeStatus(ds({ ...dsDone, numberAvailable: 2 }))).toEqual({
      phase: "InProgress",
      message: "Available: 2/3",
    });
  });

  it("DaemonSet is InProgress before the controller counted nodes", () => {
    expect(computeStatus(ds({})).phase).toBe("InProgress");
  });

  const rs = (status: Obj): Obj => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "rs", generation: 1 },
    spec: { replicas: 2 },
    status: { observedGeneration: 1, ...status },
  });
  const rsDone = { replicas: 2, fullyLabeledReplicas: 2, availableReplicas: 2, readyReplicas: 2 };

  it("ReplicaSet is Current when all replicas are available", () => {
    expect(computeStatus(rs(rsDone)).phase).toBe("Current");
  });

  it("ReplicaSet is InProgress on a replica failure", () => {
    const conditions = [{ type: "ReplicaFailure", status: "True", message: "quota exceeded" }];
    expect(computeStatus(rs({ ...rsDone, conditions })).message).toContain("quota exceeded");
  });
});

describe("computeStatus: Pod and Job", () => {
  const pod = (status: Obj): Obj => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, status });

  it("Pod is Current when Running and Ready", () => {
    expect(
      computeStatus(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] })).phase,
    ).toBe("Current");
  });

  it("Pod is InProgress when Running but not Ready", () => {
    expect(
      computeStatus(pod({ phase: "Running", conditions: [{ type: "Ready", status: "False" }] })).phase,
    ).toBe("InProgress");
  });

  it("Pod is Current when Succeeded and Failed when Failed", () => {
    expect(computeStatus(pod({ phase: "Succeeded" })).phase).toBe("Current");
    expect(computeStatus(pod({ phase: "Failed", reason: "Evicted" }))).toEqual({
      phase: "Failed",
      message: "Pod has failed: Evicted",
    });
  });

  it("Pod is Failed when a container is crash-looping", () => {
    const containerStatuses = [{ name: "app", state: { waiting: { reason: "CrashLoopBackOff" } } }];
    expect(computeStatus(pod({ phase: "Running", containerStatuses }))).toEqual({
      phase: "Failed",
      message: "Container app is in CrashLoopBackOff",
    });
  });

  it("Pod is InProgress and says why when unschedulable", () => {
    const conditions = [
      { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/1 nodes" },
    ];
    expect(computeStatus(pod({ phase: "Pending", conditions })).message).toContain("0/1 nodes");
  });

  const job = (status: Obj): Obj => ({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "j" },
    status,
  });

  it("Job is Current when Complete, Failed when Failed, else InProgress", () => {
    expect(computeStatus(job({ conditions: [{ type: "Complete", status: "True" }] })).phase).toBe("Current");
    expect(
      computeStatus(
        job({ conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] }),
      ),
    ).toEqual({ phase: "Failed", message: "Job failed: BackoffLimitExceeded" });
    expect(computeStatus(job({ active: 1 })).phase).toBe("InProgress");
  });
});

describe("computeStatus: Service, PVC, CRD, Namespace", () => {
  const svc = (spec: Obj, status: Obj = {}): Obj => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "s" },
    spec,
    status,
  });

  it("a ClusterIP Service is Current at once", () => {
    expect(computeStatus(svc({ type: "ClusterIP" })).phase).toBe("Current");
  });

  it("a LoadBalancer Service waits for an ingress", () => {
    expect(computeStatus(svc({ type: "LoadBalancer" })).phase).toBe("InProgress");
    const status = { loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } };
    expect(computeStatus(svc({ type: "LoadBalancer" }, status)).phase).toBe("Current");
  });

  it("a PVC is Current only when Bound", () => {
    const pvc = (phase: string): Obj => ({
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "c" },
      status: { phase },
    });
    expect(computeStatus(pvc("Bound")).phase).toBe("Current");
    expect(computeStatus(pvc("Pending")).phase).toBe("InProgress");
  });

  const crd = (conditions: Obj[]): Obj => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.demo.spe.dev", generation: 1 },
    status: { conditions },
  });

  it("a CRD is Current when Established, Failed when its names are rejected", () => {
    expect(computeStatus(crd([{ type: "Established", status: "True" }])).phase).toBe("Current");
    expect(computeStatus(crd([{ type: "Established", status: "False" }])).phase).toBe("InProgress");
    expect(computeStatus(crd([{ type: "NamesAccepted", status: "False", message: "conflict" }]))).toEqual({
      phase: "Failed",
      message: "CRD names not accepted: conflict",
    });
  });

  it("a Namespace is Current when Active and Terminating when terminating", () => {
    const ns = (phase: string): Obj => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "n" },
      status: { phase },
    });
    expect(computeStatus(ns("Active")).phase).toBe("Current");
    expect(computeStatus(ns("Terminating")).phase).toBe("Terminating");
  });
});

describe("computeStatus: generic objects", () => {
  const widget = (status?: Obj, generation = 2): Obj => ({
    apiVersion: "demo.spe.dev/v1",
    kind: "Widget",
    metadata: { name: "w", generation },
    ...(status ? { status } : {}),
  });

  it("an object without status is Current (a ConfigMap, a CR without controller)", () => {
    expect(computeStatus(widget()).phase).toBe("Current");
    expect(
      computeStatus({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} }).phase,
    ).toBe("Current");
  });

  it("Stalled=True is Failed, Reconciling=True is InProgress", () => {
    expect(
      computeStatus(widget({ conditions: [{ type: "Stalled", status: "True", message: "bad spec" }] })),
    ).toEqual({
      phase: "Failed",
      message: "bad spec",
    });
    expect(
      computeStatus(widget({ conditions: [{ type: "Reconciling", status: "True", reason: "Working" }] })),
    ).toEqual({ phase: "InProgress", message: "Working" });
  });

  it("Ready=False is InProgress, Ready=True is Current", () => {
    const notReady = widget({
      observedGeneration: 2,
      conditions: [{ type: "Ready", status: "False", reason: "Wait" }],
    });
    expect(computeStatus(notReady)).toEqual({ phase: "InProgress", message: "Not Ready: Wait" });
    const ready = widget({ observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] });
    expect(computeStatus(ready).phase).toBe("Current");
  });

  it("a stale observedGeneration is InProgress even when Ready=True", () => {
    const stale = widget({ observedGeneration: 1, conditions: [{ type: "Ready", status: "True" }] });
    expect(computeStatus(stale).phase).toBe("InProgress");
  });

  it("an object being deleted is Terminating; a missing object is NotFound", () => {
    const deleting = { ...widget(), metadata: { name: "w", deletionTimestamp: "2024-01-01T00:00:00Z" } };
    expect(computeStatus(deleting).phase).toBe("Terminating");
    expect(computeStatus(undefined).phase).toBe("NotFound");
  });

  it("rules match by API group: a Deployment of another group is generic", () => {
    const foreign = { apiVersion: "example.com/v1", kind: "Deployment", metadata: { name: "x" } };
    expect(computeStatus(foreign).phase).toBe("Current");
  });
});
