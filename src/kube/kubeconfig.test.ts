import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { KubeConfig } from "./kubeconfig.js";

function kubeconfig(
  user: Record<string, unknown>,
  cluster: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443/", ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team" } }],
    "current-context": "ctx",
    ...extra,
  };
}

function load(doc: unknown): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(stringify(doc));
  return kc;
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("KubeConfig.loadFromString", () => {
  it("reads the current context's cluster and user, inline credentials as they are", () => {
    const kc = load(
      kubeconfig(
        { "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5", token: "t0k3n" },
        { "certificate-authority-data": "Y2E=", "tls-server-name": "api.internal" },
      ),
    );
    expect(kc.getCurrentContext()).toBe("ctx");
    expect(kc.getCurrentCluster()).toEqual({
      name: "c",
      server: "https://127.0.0.1:6443",
      caData: "Y2E=",
      skipTLSVerify: false,
      tlsServerName: "api.internal",
    });
    expect(kc.getCurrentUser()).toEqual({ name: "u", certData: "Y2VydA==", keyData: "a2V5", token: "t0k3n" });
  });

  it("reads file references without reading the files, and both spellings of the token file", () => {
    const files = load(
      kubeconfig(
        { "client-certificate": "/etc/cert.pem", "client-key": "/etc/key.pem", tokenFile: "/etc/token" },
        { "certificate-authority": "/etc/ca.pem" },
      ),
    );
    expect(files.getCurrentUser()).toEqual({
      name: "u",
      certFile: "/etc/cert.pem",
      keyFile: "/etc/key.pem",
      tokenFile: "/etc/token",
    });
    expect(files.getCurrentCluster()).toMatchObject({ caFile: "/etc/ca.pem", skipTLSVerify: false });
    const insecure = load(kubeconfig({}, { "insecure-skip-tls-verify": true }));
    expect(insecure.getCurrentCluster()?.skipTLSVerify).toBe(true);
    expect(load(kubeconfig({ "token-file": "/etc/other" })).getCurrentUser()?.tokenFile).toBe("/etc/other");
  });

  it("reads exec plugins with their args and env", () => {
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1",
      command: "kubelogin",
      args: ["get-token", "--server-id", "x"],
      env: [{ name: "A", value: "1" }],
      interactiveMode: "Never",
      provideClusterInfo: true,
    };
    expect(load(kubeconfig({ exec })).getCurrentUser()?.exec).toEqual(exec);
  });

  it("has no current cluster when the current context is missing or names none", () => {
    expect(load({}).getCurrentCluster()).toBeUndefined();
    expect(load(kubeconfig({}, {}, { "current-context": "other" })).getCurrentCluster()).toBeUndefined();
    expect(load(kubeconfig({}, {}, { "current-context": "other" })).getCurrentUser()).toBeUndefined();
  });

  it("names the malformed field, never a value", () => {
    expect(() => load(kubeconfig({ token: 42 }))).toThrow("users[0].user.token must be a string");
    expect(() => load({ clusters: [{ name: "c", cluster: {} }] })).toThrow(
      "clusters[0].cluster.server is missing",
    );
    expect(() => load({ users: [{ user: {} }] })).toThrow("users[0].name is missing");
    expect(() => load({ contexts: [{ name: "x", context: {} }] })).toThrow(
      "contexts[0].context.cluster is missing",
    );
    expect(() => load(kubeconfig({ exec: { command: "x" } }))).toThrow(
      "users[0].user.exec.apiVersion is missing",
    );
    expect(() => load("just text")).toThrow("a kubeconfig must be a mapping");
  });

  it("refuses an auth-provider for the current user, pointing at exec plugins", () => {
    const doc = kubeconfig({ "auth-provider": { name: "oidc", config: { "id-token": "s3cret" } } });
    expect(() => load(doc)).toThrow(
      'user "u" uses the auth-provider "oidc", which spe does not support; configure an exec credential plugin',
    );
    expect(() => load(doc)).not.toThrow(/s3cret/);
  });

  it("ignores an auth-provider of a user no context uses", () => {
    const doc = kubeconfig({ token: "t" });
    (doc.users as unknown[]).push({ name: "old", user: { "auth-provider": { name: "gcp" } } });
    expect(load(doc).getCurrentUser()?.token).toBe("t");
  });
});

describe("KubeConfig.loadFromFile", () => {
  it("resolves relative file references against the kubeconfig's directory", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spe-kc-"));
    const exec = { apiVersion: "client.authentication.k8s.io/v1", command: "./bin/plugin" };
    const doc = kubeconfig(
      { "client-certificate": "cert.pem", "client-key": "/abs/key.pem", tokenFile: "sub/token", exec },
      { "certificate-authority": "ca.pem" },
    );
    await writeFile(join(dir, "config"), stringify(doc));
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, "config"));
    expect(kc.getCurrentUser()).toMatchObject({
      certFile: join(dir, "cert.pem"),
      keyFile: "/abs/key.pem",
      tokenFile: join(dir, "sub/token"),
      exec: { command: join(dir, "bin/plugin") },
    });
    expect(kc.getCurrentCluster()?.caFile).toBe(join(dir, "ca.pem"));
  });

  it("leaves an exec command that is looked up on PATH alone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spe-kc-"));
    const exec = { apiVersion: "client.authentication.k8s.io/v1", command: "aws" };
    await writeFile(join(dir, "config"), stringify(kubeconfig({ exec })));
    const kc = new KubeConfig();
    kc.loadFromFile(join(dir, "config"));
    expect(kc.getCurrentUser()?.exec?.command).toBe("aws");
  });
});

describe("KubeConfig.loadFromCluster", () => {
  it("uses the service host and port, the CA and token files and the pod's namespace", async () => {
    const root = await mkdtemp(join(tmpdir(), "spe-sa-"));
    const dir = join(root, "var/run/secrets/kubernetes.io/serviceaccount");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "namespace"), "spe-system\n");
    process.env.KUBERNETES_SERVICE_HOST = "fd00::1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    const kc = new KubeConfig();
    kc.loadFromCluster(root);
    expect(kc.getCurrentCluster()).toEqual({
      name: "inCluster",
      server: "https://[fd00::1]:443",
      caFile: join(dir, "ca.crt"),
      skipTLSVerify: false,
    });
    expect(kc.getCurrentUser()).toEqual({ name: "inClusterUser", tokenFile: join(dir, "token") });
    expect(kc.getContextObject(kc.currentContext)?.namespace).toBe("spe-system");
  });

  it("fails outside a cluster", () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    expect(() => {
      new KubeConfig().loadFromCluster();
    }).toThrow("not running in a cluster");
  });
});

describe("KubeConfig.exportConfig", () => {
  it("round-trips: loading the export gives the same clusters, users and contexts", () => {
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "/bin/plugin",
      args: ["a"],
      env: [{ name: "K", value: "v" }],
    };
    const doc = kubeconfig(
      {
        token: "t",
        tokenFile: "/t",
        username: "me",
        password: "pw",
        exec,
        as: "alice",
        "as-uid": "1",
        "as-groups": ["g1", "g2"],
        "as-user-extra": { "a/b": ["x", "y"] },
      },
      {
        "certificate-authority": "/ca.pem",
        "tls-server-name": "n",
        "proxy-url": "http://proxy:3128",
        "disable-compression": true,
      },
    );
    (doc.users as unknown[]).push({
      name: "certs",
      user: { "client-certificate": "/c", "client-key-data": "a2V5" },
    });
    const kc = load(doc);
    const again = new KubeConfig();
    again.loadFromString(kc.exportConfig());
    expect(again.clusters).toEqual(kc.clusters);
    expect(again.users).toEqual(kc.users);
    expect(again.contexts).toEqual(kc.contexts);
    expect(again.currentContext).toBe("ctx");
  });

  it("writes client-go's keys, leaving out what is unset", () => {
    const kc = load(kubeconfig({ "token-file": "/t" }));
    expect(JSON.parse(kc.exportConfig())).toEqual({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
      users: [{ name: "u", user: { tokenFile: "/t" } }],
      contexts: [{ name: "ctx", context: { cluster: "c", user: "u", namespace: "team" } }],
      "current-context": "ctx",
    });
  });
});
