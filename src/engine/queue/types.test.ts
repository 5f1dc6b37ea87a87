import { describe, expect, it } from "vitest";
import { TerminalError, isTerminalError, parseRequestKey, requestKey } from "./types.js";

describe("requestKey / parseRequestKey", () => {
  it("round-trips namespaced and cluster-scoped requests", () => {
    const namespaced = { provider: "crossplane", namespace: "team-a", name: "mcp-1" };
    const clusterScoped = { provider: "crossplane", namespace: "", name: "crossplane" };
    expect(requestKey(namespaced)).toBe("crossplane/team-a/mcp-1");
    expect(parseRequestKey(requestKey(namespaced))).toEqual(namespaced);
    expect(requestKey(clusterScoped)).toBe("crossplane//crossplane");
    expect(parseRequestKey(requestKey(clusterScoped))).toEqual(clusterScoped);
  });

  it.each(["", "a/b", "a/b/c/d", "/ns/name", "p/ns/"])("rejects %j as terminal", (key) => {
    let caught: unknown;
    try {
      parseRequestKey(key);
    } catch (err) {
      caught = err;
    }
    expect(isTerminalError(caught)).toBe(true);
  });
});

describe("isTerminalError", () => {
  it("recognises a TerminalError directly and through a cause chain", () => {
    const terminal = new TerminalError("bad spec");
    expect(isTerminalError(terminal)).toBe(true);
    expect(isTerminalError(new Error("wrapped", { cause: terminal }))).toBe(true);
  });

  it("treats other errors and non-errors as retryable", () => {
    expect(isTerminalError(new Error("boom"))).toBe(false);
    expect(isTerminalError("TerminalError")).toBe(false);
    expect(isTerminalError(undefined)).toBe(false);
  });

  it("terminates on a cyclic cause chain", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isTerminalError(a)).toBe(false);
  });
});
