import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../descriptor/plan.js";
import { detectDrift, ownershipMatches, segmentOf } from "./drift.js";

const speFields = {
  "f:metadata": { "f:labels": { ".": {}, "f:app.kubernetes.io/managed-by": {} } },
  "f:spec": {
    "f:replicas": {},
    "f:template": {
      "f:spec": {
        "f:containers": {
          'k:{"name":"server"}': { ".": {}, "f:name": {}, "f:image": {}, "f:args": {} },
        },
      },
    },
  },
};

function deployment(opts: {
  replicas: number;
  image: string;
  managedFields: unknown[];
  extra?: object;
}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "demo",
      namespace: "apps",
      labels: { "app.kubernetes.io/managed-by": "spe", "added-by-other": "x" },
      managedFields: opts.managedFields,
      resourceVersion: "42",
    },
    spec: {
      replicas: opts.replicas,
      revisionHistoryLimit: 10,
      template: {
        spec: {
          containers: [
            { name: "sidecar", image: "injected:1" },
            { name: "server", image: opts.image, args: ["--a", "--b"], imagePullPolicy: "IfNotPresent" },
          ],
        },
      },
      ...opts.extra,
    },
    status: { replicas: 1, readyReplicas: 1 },
  };
}

const desired = deployment({
  replicas: 2,
  image: "demo:1",
  managedFields: [{ manager: "spe", operation: "Apply", fieldsV1: speFields }],
});

describe("detectDrift", () => {
  it("reports nothing when every field spe sets has its desired value", () => {
    const live = deployment({
      replicas: 2,
      image: "demo:1",
      managedFields: [
        { manager: "spe", operation: "Apply", fieldsV1: speFields },
        { manager: "kube-controller-manager", operation: "Update", subresource: "status", fieldsV1: {} },
      ],
      extra: { paused: false },
    });
    expect(detectDrift(desired, live, "spe")).toEqual([]);
  });

  it("names the field path and the manager that changed it", () => {
    const live = deployment({
      replicas: 5,
      image: "evil:6",
      managedFields: [
        { manager: "spe", operation: "Apply", fieldsV1: { "f:metadata": speFields["f:metadata"] } },
        {
          manager: "kubectl-edit",
          operation: "Update",
          time: "2024-01-01T00:00:00Z",
          fieldsV1: { "f:spec": { "f:replicas": {} } },
        },
        {
          manager: "ops-script",
          operation: "Update",
          time: "2024-01-02T00:00:00Z",
          fieldsV1: {
            "f:spec": {
              "f:template": { "f:spec": { "f:containers": { 'k:{"name":"server"}': { "f:image": {} } } } },
            },
          },
        },
      ],
    });
    expect(detectDrift(desired, live, "spe")).toEqual([
      {
        object: { apiVersion: "apps/v1", kind: "Deployment", name: "demo", namespace: "apps" },
        field: ".spec.replicas",
        reason: "changed",
        manager: "kubectl-edit",
        desired: 2,
        live: 5,
      },
      {
        object: { apiVersion: "apps/v1", kind: "Deployment", name: "demo", namespace: "apps" },
        field: ".spec.template.spec.containers[name=server].image",
        reason: "changed",
        manager: "ops-script",
        desired: "demo:1",
        live: "evil:6",
      },
    ]);
  });

  it("compares atomic lists as a whole", () => {
    const live = deployment({ replicas: 2, image: "demo:1", managedFields: [] });
    const container = (live.spec as { template: { spec: { containers: { args?: string[] }[] } } }).template
      .spec.containers[1]!;
    container.args = ["--b", "--a"];
    const drift = detectDrift(desired, live, "spe");
    expect(drift.map((d) => d.field)).toEqual([".spec.template.spec.containers[name=server].args"]);
  });

  it("reports a removed list item at the item, and a removed label by its key", () => {
    const live = deployment({ replicas: 2, image: "demo:1", managedFields: [] });
    (live.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers = [];
    live.metadata.labels = {};
    expect(detectDrift(desired, live, "spe").map((d) => d.field)).toEqual([
      '.metadata.labels["app.kubernetes.io/managed-by"]',
      ".spec.template.spec.containers[name=server]",
    ]);
  });

  it("ignores fields other controllers set, and status", () => {
    const live = deployment({ replicas: 2, image: "demo:1", managedFields: [] });
    live.metadata.labels = { "app.kubernetes.io/managed-by": "spe", "added-by-other": "changed" };
    (live.spec as Record<string, unknown>).revisionHistoryLimit = 3;
    live.status = { replicas: 0 };
    expect(detectDrift(desired, live, "spe")).toEqual([]);
  });

  it("a deleted object is missing", () => {
    expect(detectDrift(desired, undefined, "spe")).toEqual([
      {
        object: { apiVersion: "apps/v1", kind: "Deployment", name: "demo", namespace: "apps" },
        field: "",
        reason: "missing",
      },
    ]);
  });

  it("never puts Secret values into a drift entry", () => {
    const secret = (value: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "s",
        managedFields: [{ manager: "spe", operation: "Apply", fieldsV1: { "f:data": { "f:password": {} } } }],
      },
      data: { password: value },
    });
    const [entry] = detectDrift(secret("c2VjcmV0"), secret("b3RoZXI="), "spe");
    expect(entry).toMatchObject({ field: ".data.password", reason: "changed" });
    expect(JSON.stringify(entry)).not.toContain("c2VjcmV0");
    expect(JSON.stringify(entry)).not.toContain("b3RoZXI=");
  });

  it("without managedFields, compares the fields the desired object has, matching named list items", () => {
    const plain = deployment({ replicas: 2, image: "demo:1", managedFields: [] });
    delete plain.metadata.managedFields;
    const live = deployment({ replicas: 2, image: "demo:2", managedFields: [] });
    expect(detectDrift(plain, live, "spe").map((d) => d.field)).toEqual([
      ".spec.template.spec.containers[name=server].image",
    ]);
  });
});

describe("ownershipMatches", () => {
  it("is false when the plan stopped setting a field spe owns live", () => {
    const live = deployment({
      replicas: 2,
      image: "demo:1",
      managedFields: [{ manager: "spe", operation: "Apply", fieldsV1: speFields }],
    });
    const { "f:replicas": _r, ...spec } = speFields["f:spec"];
    const fewer = deployment({
      replicas: 2,
      image: "demo:1",
      managedFields: [{ manager: "spe", operation: "Apply", fieldsV1: { ...speFields, "f:spec": spec } }],
    });
    expect(ownershipMatches(desired, live, "spe")).toBe(true);
    expect(ownershipMatches(fewer, live, "spe")).toBe(false);
  });
});

describe("segmentOf", () => {
  it("formats fieldsV1 keys as readable path segments", () => {
    expect(segmentOf("f:spec")).toBe(".spec");
    expect(segmentOf('k:{"containerPort":8080,"protocol":"TCP"}')).toBe("[containerPort=8080,protocol=TCP]");
    expect(segmentOf('v:"finalizer.example.com"')).toBe('[="finalizer.example.com"]');
    expect(segmentOf("i:3")).toBe("[3]");
  });
});
