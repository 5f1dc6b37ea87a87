import { describe, expect, it } from "vitest";
import type { ApiObject } from "../status/api-object.js";
import { reconcileReason } from "./controller.js";

function obj(meta: Partial<ApiObject["metadata"]> = {}, status?: ApiObject["status"]): ApiObject {
  return {
    apiVersion: "demo.spe.dev/v1alpha1",
    kind: "Demo",
    metadata: { name: "a", namespace: "ns", generation: 1, finalizers: ["demo.spe.dev/finalizer"], ...meta },
    ...(status ? { status } : {}),
  };
}

describe("reconcileReason", () => {
  it("takes a new object, a spec change, a deletion and a user's operation annotation as input", () => {
    expect(reconcileReason(obj(), undefined)).toBe("input");
    expect(reconcileReason(obj({ generation: 2 }), obj())).toBe("input");
    expect(reconcileReason(obj({ deletionTimestamp: "2026-01-01T00:00:00Z" }), obj())).toBe("input");
    const annotated = obj({ annotations: { "openmcp.cloud/operation": "reconcile" } });
    expect(reconcileReason(annotated, obj())).toBe("input");
    const paused = obj({ annotations: { "openmcp.cloud/operation": "ignore" } });
    expect(reconcileReason(obj(), paused)).toBe("input");
  });

  it("does not let spe's own writes cut a backoff short: status, a spent annotation, finalizers", () => {
    expect(reconcileReason(obj({}, { phase: "Ready" }), obj())).toBeUndefined();
    const spent = obj({ annotations: { "openmcp.cloud/operation": "reconcile" } });
    expect(reconcileReason(obj(), spent)).toBeUndefined();
    expect(reconcileReason(obj(), obj({ finalizers: [] }))).toBe("observed");
  });
});
