import { describe, expect, it } from "vitest";
import { AccessError } from "./errors.js";
import { parseKubeconfig } from "./kubeconfig.js";

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
    "current-context": "ctx",
  });
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof AccessError ? `${err.reason}: ${err.message}` : `other: ${String(err)}`;
  }
  return undefined;
}

describe("parseKubeconfig", () => {
  it("accepts inline token credentials and points at the server", () => {
    const kc = parseKubeconfig(kubeconfig({ token: "t0k3n" }), "Secret a/b");
    expect(kc.getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
    expect(kc.getCurrentUser()?.token).toBe("t0k3n");
  });

  it("rejects text that is no kubeconfig", () => {
    expect(reasonOf(() => parseKubeconfig("{not yaml: [", "Secret a/b"))).toMatch(
      /^InvalidKubeconfig: Secret a\/b/,
    );
    expect(reasonOf(() => parseKubeconfig("{}", "Secret a/b"))).toMatch(
      /^InvalidKubeconfig: .*no current context/,
    );
  });

  it.each([
    ["an exec plugin", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "/bin/sh" } }, {}],
    ["a token file", { "token-file": "/var/run/secrets/kubernetes.io/serviceaccount/token" }, {}],
    [
      "a token file, as client-go spells it",
      { tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" },
      {},
    ],
    ["an auth provider", { "auth-provider": { name: "oidc" } }, {}],
    ["certificate files", { "client-certificate": "/etc/cert.pem", "client-key": "/etc/key.pem" }, {}],
    ["a CA file", { token: "t" }, { "certificate-authority": "/etc/ca.pem" }],
  ])("refuses %s, which would act on the engine's host", (_what, user, cluster) => {
    expect(reasonOf(() => parseKubeconfig(kubeconfig(user, cluster), "Secret a/b"))).toMatch(
      /^InvalidKubeconfig: /,
    );
  });

  it("does not put the credentials into the error message", () => {
    const message = reasonOf(() =>
      parseKubeconfig(kubeconfig({ token: "s3cret", exec: { command: "x" } }), "S"),
    );
    expect(message).toBeDefined();
    expect(message).not.toContain("s3cret");
  });
});

describe("parseKubeconfig error messages", () => {
  it("do not quote the offending line of broken YAML", () => {
    const message = reasonOf(() => parseKubeconfig("users:\n- user: {token: s3cret\n  bad: [", "S"));
    expect(message).toMatch(/^InvalidKubeconfig: /);
    expect(message).not.toContain("s3cret");
  });
});
