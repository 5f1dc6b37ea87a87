import { describe, expect, it } from "vitest";
import { OwnerIndex } from "./owner-index.js";

describe("OwnerIndex", () => {
  it("maps watched ids to their owners and back", () => {
    const index = new OwnerIndex();
    index.add("a", "x");
    index.add("b", "x");
    expect([...index.ownersOf("x")].sort()).toEqual(["a", "b"]);
    expect([...index.ownersOf("y")]).toEqual([]);
  });

  it("set replaces an owner's ids and reports those nobody cares about any more", () => {
    const index = new OwnerIndex();
    index.set("a", ["x", "y"]);
    index.add("b", "y");
    expect(index.set("a", ["z"])).toEqual(["x"]);
    expect([...index.ownersOf("y")]).toEqual(["b"]);
    expect(index.remove("b")).toEqual(["y"]);
    expect(index.remove("a")).toEqual(["z"]);
  });
});
