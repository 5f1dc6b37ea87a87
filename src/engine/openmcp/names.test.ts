import { describe, expect, it } from "vitest";
import { nameHash, nameUuid, shortenName, stableRequestName, tenantNamespace } from "./names.js";

// Expected values are controller-utils v0.31.0's own test vectors (pkg/controller/hash_test.go).
describe("openMCP names", () => {
  it("computes the tenant namespace as openMCP does (default/example)", () => {
    expect(tenantNamespace({ namespace: "default", name: "example" })).toBe(
      "mcp--2bcf790e-815e-8ea9-857b-15be429583a5",
    );
    expect(nameUuid("default", "example")).toBe("2bcf790e-815e-8ea9-857b-15be429583a5");
  });

  it("marks the UUID as version 8, variant 10", () => {
    const uuid = nameUuid("tenant-a", "mcp-a");
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuid).not.toBe(nameUuid("tenant-a", "mcp-b"));
  });

  it("refuses names that are all empty", () => {
    expect(() => nameUuid("", "")).toThrow(/non-empty/);
  });

  it("hashes names to 8 base32 characters", () => {
    expect(nameHash("default", "example")).toBe("fphxsdub");
  });

  it("shortens long names with the hash of the whole name", () => {
    expect(shortenName("short", 100)).toBe("short");
    expect(shortenName("short1234567", 11)).toBe("s--j5gore3p");
    expect(shortenName("this-is-a-very-a-very-a-very-long-string-that-is-over-63-characters")).toBe(
      "this-is-a-very-a-very-a-very-long-string-that-is-over--6reoyp5o",
    );
    expect(shortenName("abcd.efghijklmnopqrstuvwxyz", 15)).toBe("abcd--35l3mtbw");
    expect(() => shortenName("shorter1234", 10)).toThrow(/no room/);
  });

  it("builds stable request names, lower case, never longer than 63 characters", () => {
    expect(stableRequestName("Demo", "onboarding-init")).toBe("demo--onboarding-init");
    expect(stableRequestName("demo", "MCP-A", "mcp")).toBe("demo--mcp-a--mcp");
    const long = stableRequestName("demo", "x".repeat(80), "wl");
    expect(long).toHaveLength(63);
    expect(long).toMatch(/^demo--x+--[a-z2-7]{8}--wl$/);
  });
});
