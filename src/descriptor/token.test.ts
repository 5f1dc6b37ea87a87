/**
 * Golden renders of token units (test/fixtures/token): a ServiceAccount's token on the MCP
 * written to the workload cluster, with the server URL the descriptor gives or the default,
 * and the server URL render refuses.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { goldenRenders } from "./golden.js";
import { lintPaths } from "./lint.js";
import { baseDescriptor, lintDoc, set } from "./test-helpers.js";

goldenRenders("token units, rendered", fileURLToPath(new URL("../../test/fixtures/token/", import.meta.url)));

describe("lint of token units", () => {
  it("refuses a lifetime out of bounds and an unconfigured target, warns of an account the user names, at file:line:col", async () => {
    const file = fileURLToPath(new URL("../../test/fixtures/token/lint-errors.yaml", import.meta.url));
    const found = (await lintPaths([file])).map(
      (i) => `${i.line}:${i.col}: ${i.severity}: ${i.code}: ${i.message}`,
    );
    expect(found).toEqual([
      `24:19: error: token-lifetime: lifetime "5m" must be a duration from 10m (the apiserver's minimum) to 24h`,
      "29:15: error: unknown-target: unit elsewhere: the ServiceAccount's target workload is not configured (configured: mcp)",
      "35:49: warning: token-from-api: the ServiceAccount is chosen by the API object: any end user can get a token for any account spe may mint for; name it literally or from the config",
    ]);
  });

  it("refuses forEach and a missing namespace on a token unit", () => {
    const unit = {
      name: "t",
      token: { serviceAccount: { namespace: "a", name: "b" }, secret: { name: "s" } },
    };
    const codes = (u: object): string[] =>
      lintDoc(set(baseDescriptor(), "spec.deploy.1", u)).map((i) => i.code);
    expect(codes({ ...unit, namespace: "x" })).toEqual([]);
    expect(codes(unit)).toEqual(["missing-namespace"]);
    expect(codes({ ...unit, namespace: "x", forEach: "${api.spec.plugins ?? []}" })).toEqual([
      "foreach-helm",
    ]);
  });
});
