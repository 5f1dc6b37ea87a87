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

describe("OwnerIndex groups", () => {
  const groupOf = (id: string): string => id.split("/")[0] ?? "";

  it("a group is in use while anyone cares about one of its ids", () => {
    const index = new OwnerIndex(groupOf);
    index.set("a", ["kind1/x", "kind2/y"]);
    index.add("b", "kind1/z");
    expect(index.inUse("kind1")).toBe(true);
    expect(index.inUse("kind2")).toBe(true);
    index.set("a", ["kind1/x"]);
    expect(index.inUse("kind2")).toBe(false);
    index.remove("a");
    expect(index.inUse("kind1")).toBe(true); // b still cares about kind1/z
    index.remove("b");
    expect(index.inUse("kind1")).toBe(false);
    expect(index.size).toBe(0);
  });

  it("an id cared about by two owners keeps its group until both are gone", () => {
    const index = new OwnerIndex(groupOf);
    index.add("a", "kind1/x");
    index.add("b", "kind1/x");
    index.set("a", ["kind1/x"]);
    expect(index.remove("a")).toEqual([]);
    expect(index.inUse("kind1")).toBe(true);
    expect(index.remove("b")).toEqual(["kind1/x"]);
    expect(index.inUse("kind1")).toBe(false);
  });
});
