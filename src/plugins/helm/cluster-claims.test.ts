import { describe, expect, it } from "vitest";
import { ClusterClaims } from "./cluster-claims.js";

describe("ClusterClaims", () => {
  it("lets a kubeconfig go when its last release is dropped", () => {
    const claims = new ClusterClaims();
    expect(claims.claim("r1", "kc-a")).toBeUndefined();
    expect(claims.claim("r2", "kc-a")).toBeUndefined();
    expect(claims.claim("r1", "kc-a")).toBeUndefined(); // claiming again counts once
    expect(claims.drop("r1")).toBeUndefined();
    expect(claims.drop("r2")).toBe("kc-a");
    expect(claims.drop("r2")).toBeUndefined();
    expect(claims.size).toBe(0);
  });

  it("a release that moves to another kubeconfig (a rotated credential) lets the old one go", () => {
    const claims = new ClusterClaims();
    claims.claim("r1", "kc-old");
    expect(claims.claim("r1", "kc-new")).toBe("kc-old");
    expect(claims.size).toBe(1);
    expect(claims.drop("r1")).toBe("kc-new");
  });
});
