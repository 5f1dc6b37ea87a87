import { describe, expect, it } from "vitest";
import { dnsLabel, ownerHash, ownerLabels } from "./owner.js";

const owner = { provider: "p", group: "g.example", kind: "K", namespace: "ns", name: "n", uid: "1" };

describe("owner labels", () => {
  it("identify the owner by name, stable across uids, distinct across names", () => {
    expect(ownerHash({ ...owner, uid: "2" })).toBe(ownerHash(owner));
    expect(ownerHash({ ...owner, name: "m" })).not.toBe(ownerHash(owner));
    expect(ownerLabels(owner, "Main Unit")).toEqual({
      "app.kubernetes.io/managed-by": "spe",
      "spe.dev/owner": ownerHash(owner),
      "spe.dev/unit": "main-unit",
    });
  });

  it("unit names become valid label values", () => {
    expect(dnsLabel("--Crossplane_Providers!--")).toBe("crossplane-providers");
    expect(dnsLabel("x".repeat(80))).toHaveLength(40);
    expect(dnsLabel("___")).toBe("unit");
  });
});
