import { describe, expect, it } from "vitest";
import { HelmError } from "../../plugins/helm/errors.js";
import { KubeApiError } from "../../kube/client.js";
import { TerminalError } from "../queue/types.js";
import { UnitError } from "../reconcile/deploy.js";
import { serializeError } from "./log-error.js";

type Serialized = Record<string, unknown> & { message?: string; stack?: string; cause?: Serialized };

const serialized = (err: unknown): Serialized => serializeError(err) as Serialized;

describe("serializeError", () => {
  it("says a wrapped cause once, not `X: X`", () => {
    const helm = new HelmError(
      "InstallFailed",
      "helm upgrade --install shop failed",
      "template: shop: bad value",
    );
    const out = serialized(new UnitError("shop", "create", helm));
    expect(out.message).toBe("unit shop: helm upgrade --install shop failed: template: shop: bad value");
    expect(JSON.stringify(out).split("template: shop: bad value")).toHaveLength(2);
    // The cause is still named, by type and the fields that are not its message again.
    expect(out).toMatchObject({
      type: "UnitError",
      unit: "shop",
      cause: { type: "HelmError", reason: "InstallFailed" },
    });
    expect(out.cause?.message).toBeUndefined();
  });

  it("keeps a cause's message when the wrapper does not carry it", () => {
    const out = serialized(
      new TerminalError("invalid spec", { cause: new KubeApiError(422, "Invalid", "spec.size: bad") }),
    );
    expect(out.cause).toMatchObject({ type: "KubeApiError", message: "spec.size: bad", status: 422 });
  });

  it("leaves out the stack of an expected condition: an apiserver's answer, a refused connection", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6443"), {
      code: "ECONNREFUSED",
      syscall: "connect",
    });
    expect(serialized(refused)).toEqual({
      type: "Error",
      message: "connect ECONNREFUSED 127.0.0.1:6443",
      code: "ECONNREFUSED",
      syscall: "connect",
    });
    expect(
      serialized(new KubeApiError(429, "TooManyRequests", "storage is (re)initializing")).stack,
    ).toBeUndefined();
    expect(serialized(new TerminalError("invalid spec")).stack).toBeUndefined();
  });

  it("keeps the stack of what may be a bug, the innermost one", () => {
    const bug = new TypeError("cannot read properties of undefined");
    const out = serialized(new UnitError("shop", "update", bug));
    expect(out.stack).toBe(bug.stack);
    expect(serialized(new Error("the helm worker answered without a release")).stack).toMatch(/^Error: /);
  });

  it("passes anything that is not an Error through", () => {
    expect(serializeError("boom")).toBe("boom");
  });
});
