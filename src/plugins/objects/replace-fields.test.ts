import { describe, expect, it } from "vitest";
import { KubeApiError } from "../../kube/client.js";
import type { KubeObject } from "../../descriptor/plan.js";
import { isImmutableRejection, listFieldsToReplace, replacementPatch } from "./replace-fields.js";

const service: KubeObject = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "shop", namespace: "a" },
  spec: { selector: { app: "shop" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
};
const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "shop", namespace: "a" },
  spec: { template: { spec: { containers: [{ name: "web", image: "x", ports: [{ containerPort: 80 }] }] } } },
};

describe("listFieldsToReplace", () => {
  it("finds the list a rejection names, down to its first index", () => {
    const causes = [
      { reason: "FieldValueDuplicate", field: "spec.ports[1].name", message: 'Duplicate value: "http"' },
      { reason: "FieldValueRequired", field: "spec.ports[1].name", message: "Required value" },
    ];
    expect(listFieldsToReplace(causes, service)).toEqual([["spec", "ports"]]);
    expect(
      listFieldsToReplace([{ field: "spec.template.spec.containers[0].ports[1].name" }], deployment),
    ).toEqual([["spec", "template", "spec", "containers"]]);
  });

  it("ignores causes that name no list of the desired object", () => {
    const causes = [
      { field: "data", message: "Forbidden: field is immutable when `immutable` is set" },
      { field: "spec.clusterIPs[0]" }, // a list spe does not set
      { field: "[0].name" },
      { message: "ValidatingAdmissionPolicy 'p' with binding 'p' denied request: no" },
      { field: "spec.selector[app]" }, // a map, not a list
    ];
    expect(listFieldsToReplace(causes, service)).toEqual([]);
  });
});

describe("replacementPatch", () => {
  it("sets each named list whole, and nothing else", () => {
    const patch = replacementPatch(deployment, [
      ["spec", "template", "spec", "containers"],
      ["spec", "replicas"],
    ]);
    expect(patch).toEqual({
      spec: {
        template: { spec: { containers: [{ name: "web", image: "x", ports: [{ containerPort: 80 }] }] } },
        replicas: undefined,
      },
    });
    expect(replacementPatch(service, [["spec", "ports"]])).toEqual({
      spec: { ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });
  });
});

describe("isImmutableRejection", () => {
  it("is a 422 whose causes say a field is immutable", () => {
    const immutable = new KubeApiError(422, "Invalid", 'ConfigMap "x" is invalid: data: Forbidden', [
      {
        reason: "FieldValueForbidden",
        field: "data",
        message: "Forbidden: field is immutable when `immutable` is set",
      },
    ]);
    expect(isImmutableRejection(immutable)).toBe(true);
  });

  it("is not an admission denial, whatever its wording", () => {
    const message = "ValidatingAdmissionPolicy 'p' with binding 'p' denied request: field is immutable";
    expect(isImmutableRejection(new KubeApiError(422, "Invalid", message, [{ message }]))).toBe(false);
    expect(isImmutableRejection(new KubeApiError(403, "Forbidden", message, [{ message }]))).toBe(false);
  });
});
