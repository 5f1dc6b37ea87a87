import { describe, expect, it } from "vitest";
import type { TokenPlan } from "../../descriptor/plan.js";
import { heldIn, requestId, secretData, tokenSecret, type SourceCluster } from "./secret.js";

const plan: TokenPlan = {
  from: "mcp",
  serviceAccount: { namespace: "velero", name: "velero" },
  expirationSeconds: 3600,
  audiences: [],
  secret: { namespace: "velero-abc", name: "mcp-kubeconfig" },
  kubeconfig: {},
};
const source: SourceCluster = { server: "https://mcp:6443", caData: "Q0EK", skipTLSVerify: false };
const decode = (b64: string | undefined): string => Buffer.from(b64 ?? "", "base64").toString("utf8");

describe("the token Secret", () => {
  it("holds the token, the account's namespace, the CA and a kubeconfig for the from cluster", () => {
    const data = secretData(plan, source, "t0ken");
    expect(decode(data.token)).toBe("t0ken");
    expect(decode(data.namespace)).toBe("velero");
    expect(data["ca.crt"]).toBe("Q0EK");
    const kc = JSON.parse(decode(data.kubeconfig)) as Record<string, unknown>;
    expect(kc).toMatchObject({
      clusters: [
        { name: "mcp", cluster: { server: "https://mcp:6443", "certificate-authority-data": "Q0EK" } },
      ],
      users: [{ name: "velero:velero", user: { token: "t0ken" } }],
      "current-context": "mcp",
    });
    expect(secretData({ ...plan, kubeconfig: undefined }, source, "x").kubeconfig).toBeUndefined();
  });

  it("names no token in its metadata, and is taken back only for the same request", () => {
    const request = requestId(plan, source);
    const held = { request, data: secretData(plan, source, "t0ken"), expiresAt: 2e12, renewAt: 1.9e12 };
    const secret = tokenSecret(plan, held);
    expect(JSON.stringify(secret.metadata)).not.toContain("t0ken");
    expect(secret.metadata.annotations).toMatchObject({
      "spe.dev/token-for": "mcp: ServiceAccount velero/velero",
      "spe.dev/token-expires-at": new Date(2e12).toISOString(),
    });
    expect(heldIn(secret, request)).toEqual(held);
    const other = requestId({ ...plan, expirationSeconds: 600 }, source);
    expect(other).not.toBe(request);
    expect(heldIn(secret, other)).toBeUndefined();
    expect(requestId(plan, { ...source, server: "https://elsewhere:6443" })).not.toBe(request);
  });
});
