import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../../descriptor/plan.js";
import { FollowedKubeconfigs } from "./followed.js";

function secret(
  version: string,
  user: Record<string, unknown>,
  server = "https://10.0.0.1:6443",
): KubeObject {
  const kubeconfig = JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server, "certificate-authority-data": "Q0E=" } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "ar.kubeconfig", namespace: "mcp--x", uid: "u1", resourceVersion: version },
    data: { kubeconfig: Buffer.from(kubeconfig).toString("base64") },
  };
}

let followed: FollowedKubeconfigs | undefined;
afterEach(() => followed?.close());

describe("FollowedKubeconfigs", () => {
  it("keeps one KubeConfig across token renewals and points it at a token file holding the newest token", () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-followed-"));
    followed = new FollowedKubeconfigs(dir);
    const first = followed.fromSecret("mcp--x/ar", secret("1", { token: "t1" }));
    const file = first.getCurrentUser()?.tokenFile;
    expect(first.getCurrentUser()?.token).toBeUndefined();
    expect(file?.startsWith(dir)).toBe(true);
    expect(readFileSync(file!, "utf8")).toBe("t1");
    expect(first.getCurrentCluster()).toMatchObject({ server: "https://10.0.0.1:6443", caData: "Q0E=" });
    const renewed = followed.fromSecret("mcp--x/ar", secret("2", { token: "t2" }));
    expect(renewed).toBe(first);
    expect(readFileSync(file!, "utf8")).toBe("t2");
  });

  it("gives a new KubeConfig when the Secret points at another cluster, and forgets token files", () => {
    followed = new FollowedKubeconfigs();
    const first = followed.fromSecret("a", secret("1", { token: "t1" }));
    const moved = followed.fromSecret("a", secret("2", { token: "t2" }, "https://10.0.0.2:6443"));
    expect(moved).not.toBe(first);
    const file = moved.getCurrentUser()?.tokenFile;
    followed.forget("a");
    expect(existsSync(file!)).toBe(false);
  });

  it("keeps other credentials inline, a new instance per Secret version", () => {
    followed = new FollowedKubeconfigs();
    const first = followed.fromSecret(
      "b",
      secret("1", { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" }),
    );
    expect(first.getCurrentUser()?.tokenFile).toBeUndefined();
    expect(followed.fromSecret("b", secret("1", {}))).toBe(first);
    expect(
      followed.fromSecret(
        "b",
        secret("2", { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" }),
      ),
    ).not.toBe(first);
  });

  it("refuses kubeconfigs that would act on the engine's host, without quoting credentials", () => {
    followed = new FollowedKubeconfigs();
    expect(() =>
      followed!.fromSecret("c", secret("1", { token: "s3cret", exec: { command: "sh" } })),
    ).toThrow(/only inline credentials are allowed/);
  });
});
