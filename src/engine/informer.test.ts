import { describe, expect, it } from "vitest";
import { objectKey } from "./informer.js";

describe("objectKey", () => {
  it("is namespace/name for namespaced objects and name for cluster-scoped ones", () => {
    expect(objectKey({ metadata: { namespace: "team-a", name: "mcp-1" } })).toBe("team-a/mcp-1");
    expect(objectKey({ metadata: { name: "crossplane" } })).toBe("crossplane");
    expect(objectKey({ metadata: { namespace: "", name: "crossplane" } })).toBe("crossplane");
  });
});
