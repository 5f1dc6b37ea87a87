import { describe, expect, it } from "vitest";
import { crdOwnership } from "./crds.js";

describe("crdOwnership", () => {
  const listed = ["a.example.com", "b.example.com", "c.example.com"];

  it("deletes nothing for an object that never deployed (no records)", () => {
    expect(crdOwnership(listed, [])).toEqual({ ours: [], notOurs: listed });
  });

  it("deletes nothing on a record from before CRDs were recorded", () => {
    expect(crdOwnership(listed, [{ name: "svc", type: "helm" }])).toEqual({ ours: [], notOurs: listed });
  });

  it("deletes the listed CRDs any unit's first create found absent, in the listed order", () => {
    const records = [
      { name: "svc", type: "helm" as const, crds: ["c.example.com", "a.example.com"] },
      { name: "cfg", type: "manifests" as const, crds: ["z.example.com"] },
    ];
    expect(crdOwnership(listed, records)).toEqual({
      ours: ["a.example.com", "c.example.com"],
      notOurs: ["b.example.com"],
    });
  });
});
