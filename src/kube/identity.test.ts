import { describe, expect, it } from "vitest";
import { identityKey } from "./identity.js";
import { KubeConfig } from "./kubeconfig.js";

function config(user: Record<string, unknown>, names = { cluster: "c", user: "u" }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: names.cluster, server: "https://10.0.0.1:6443", caData: "Q0E=" }],
    users: [{ name: names.user, ...user }],
    contexts: [{ name: "ctx", cluster: names.cluster, user: names.user }],
    currentContext: "ctx",
  });
  return kc;
}

describe("identityKey", () => {
  it("is the same for the same server and credentials, whatever the entries are called", () => {
    expect(identityKey(config({ token: "a" }))).toBe(
      identityKey(config({ token: "a" }, { cluster: "other", user: "names" })),
    );
  });

  it("differs for another token, and for the same token impersonating", () => {
    const plain = identityKey(config({ token: "a" }));
    expect(identityKey(config({ token: "b" }))).not.toBe(plain);
    expect(identityKey(config({ token: "a", impersonate: "alice" }))).not.toBe(plain);
  });

  it("names the server and holds no credential", () => {
    const key = identityKey(config({ token: "s3cret-token" }));
    expect(key.startsWith("https://10.0.0.1:6443#")).toBe(true);
    expect(key).not.toContain("s3cret");
  });
});
