import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TOKEN_FILE_PERIOD_MS, credentialSource } from "./credentials.js";
import { ExecCredentialSource } from "./exec-credential.js";
import type { Cluster, ExecConfig } from "./kubeconfig-model.js";

const cluster: Cluster = {
  name: "c",
  server: "https://127.0.0.1:6443",
  caData: "Y2E=",
  skipTLSVerify: false,
};
const V1 = "client.authentication.k8s.io/v1";

let dir: string;
let plugin: string;

/**
 * A plugin that counts its runs in $RUNS, records KUBERNETES_EXEC_INFO and its args, and
 * prints $REPLY (or fails with $FAIL on stderr).
 */
const SCRIPT = `#!/bin/sh
echo run >> "$RUNS"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$RUNS.info"
echo "$@" > "$RUNS.args"
if [ -n "$FAIL" ]; then echo "$FAIL" >&2; exit 3; fi
printf '%s' "$REPLY"
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spe-exec-"));
  plugin = join(dir, "plugin.sh");
  await writeFile(plugin, SCRIPT);
  await chmod(plugin, 0o755);
});

function execConfig(name: string, reply: unknown, extra: Partial<ExecConfig> = {}): ExecConfig {
  return {
    apiVersion: V1,
    command: plugin,
    args: ["get-token", name],
    env: [
      { name: "RUNS", value: join(dir, name) },
      { name: "REPLY", value: typeof reply === "string" ? reply : JSON.stringify(reply) },
    ],
    ...extra,
  };
}

function credential(status: Record<string, unknown>, apiVersion = V1): Record<string, unknown> {
  return { apiVersion, kind: "ExecCredential", status };
}

async function runs(name: string): Promise<number> {
  return (await readFile(join(dir, name), "utf8")).split("\n").filter(Boolean).length;
}

describe("exec credential plugins", () => {
  it("run with their args and env and give a bearer token; the plugin learns the cluster when asked", async () => {
    const exec = execConfig("token", credential({ token: "from-plugin" }), { provideClusterInfo: true });
    const source = new ExecCredentialSource(exec, cluster);
    expect(await source.get()).toEqual({ authorization: "Bearer from-plugin" });
    expect((await readFile(join(dir, "token.args"), "utf8")).trim()).toBe("get-token token");
    expect(JSON.parse(await readFile(join(dir, "token.info"), "utf8"))).toEqual({
      apiVersion: V1,
      kind: "ExecCredential",
      spec: {
        interactive: false,
        cluster: { server: cluster.server, "certificate-authority-data": "Y2E=" },
      },
    });
  });

  it("give a client certificate (v1beta1 too)", async () => {
    const reply = credential(
      { clientCertificateData: "CERT PEM", clientKeyData: "KEY PEM" },
      "client.authentication.k8s.io/v1beta1",
    );
    const exec = execConfig("cert", reply, { apiVersion: "client.authentication.k8s.io/v1beta1" });
    expect(await new ExecCredentialSource(exec, cluster).get()).toEqual({ cert: "CERT PEM", key: "KEY PEM" });
  });

  it("are cached until expirationTimestamp, and shared by concurrent requests", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const exec = execConfig(
      "expiry",
      credential({ token: "t", expirationTimestamp: "2030-01-01T00:10:00Z" }),
    );
    const source = new ExecCredentialSource(exec, cluster, { now: () => now });
    await Promise.all([source.get(), source.get(), source.get()]);
    expect(await runs("expiry")).toBe(1);
    now += 9 * 60_000;
    await source.get();
    expect(await runs("expiry")).toBe(1);
    now += 60_000;
    await source.get();
    expect(await runs("expiry")).toBe(2);
  });

  it("without an expiry are kept until the apiserver rejects them", async () => {
    const source = new ExecCredentialSource(execConfig("forever", credential({ token: "t" })), cluster);
    await source.get();
    await source.get();
    expect(await runs("forever")).toBe(1);
    source.rejected();
    await source.get();
    expect(await runs("forever")).toBe(2);
  });

  it("fail clearly: exit code and stderr, never the output", async () => {
    const failing = execConfig("fails", "s3cret-output");
    const env = [...(failing.env ?? []), { name: "FAIL", value: "error: you must log in" }];
    await expect(new ExecCredentialSource({ ...failing, env }, cluster).get()).rejects.toThrow(
      `exec credential plugin "${plugin}" exited with code 3: error: you must log in`,
    );
    const noJson = new ExecCredentialSource(execConfig("nojson", "s3cret-output"), cluster).get();
    await expect(noJson).rejects.toThrow("did not print an ExecCredential (its output is no JSON)");
    await expect(noJson).rejects.not.toThrow(/s3cret/);
    const wrongVersion = execConfig(
      "version",
      credential({ token: "t" }, "client.authentication.k8s.io/v1beta1"),
    );
    await expect(new ExecCredentialSource(wrongVersion, cluster).get()).rejects.toThrow(
      "returned apiVersion client.authentication.k8s.io/v1beta1, but is configured for client.authentication.k8s.io/v1",
    );
    const empty = execConfig("empty", credential({}));
    await expect(new ExecCredentialSource(empty, cluster).get()).rejects.toThrow(
      "returned neither status.token nor a client certificate",
    );
  });

  it("name a missing command with its install hint", async () => {
    const exec: ExecConfig = { apiVersion: V1, command: join(dir, "missing"), installHint: "install it\n" };
    await expect(new ExecCredentialSource(exec, cluster).get()).rejects.toThrow("was not found: install it");
  });

  it("refuse what spe cannot do: interactive plugins and unknown apiVersions", () => {
    expect(
      () => new ExecCredentialSource({ apiVersion: V1, command: "x", interactiveMode: "Always" }, cluster),
    ).toThrow("needs a terminal");
    expect(
      () =>
        new ExecCredentialSource(
          { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" },
          cluster,
        ),
    ).toThrow("has apiVersion client.authentication.k8s.io/v1alpha1");
  });
});

describe("credentialSource", () => {
  it("gives bearer and basic auth headers for inline credentials, nothing for certificate users", async () => {
    expect(await credentialSource({ name: "u", token: "t" }, cluster).get()).toEqual({
      authorization: "Bearer t",
    });
    expect(await credentialSource({ name: "u", username: "me", password: "pw" }, cluster).get()).toEqual({
      authorization: `Basic ${Buffer.from("me:pw").toString("base64")}`,
    });
    expect(await credentialSource({ name: "u", certData: "Y2VydA==" }, cluster).get()).toEqual({});
    expect(await credentialSource(undefined, cluster).get()).toEqual({});
  });

  it("re-reads a token file once a period, keeps the last token while it is unreadable", async () => {
    const file = join(dir, "sa-token");
    await writeFile(file, "first\n");
    let now = 0;
    const source = credentialSource({ name: "sa", tokenFile: file }, cluster, { now: () => now });
    expect(await source.get()).toEqual({ authorization: "Bearer first" });
    await writeFile(file, "second");
    now += TOKEN_FILE_PERIOD_MS - 1;
    expect(await source.get()).toEqual({ authorization: "Bearer first" });
    now += 1;
    expect(await source.get()).toEqual({ authorization: "Bearer second" });
    await rm(file);
    now += TOKEN_FILE_PERIOD_MS;
    expect(await source.get()).toEqual({ authorization: "Bearer second" });
  });

  it("falls back to the inline token when the file never was readable, and fails without one", async () => {
    const missing = join(dir, "no-such-token");
    expect(await credentialSource({ name: "u", tokenFile: missing, token: "inline" }, cluster).get()).toEqual(
      {
        authorization: "Bearer inline",
      },
    );
    await expect(credentialSource({ name: "u", tokenFile: missing }, cluster).get()).rejects.toThrow(
      `cannot read token file ${missing}`,
    );
  });

  it("refuses auth-provider users", () => {
    expect(() => credentialSource({ name: "u", authProvider: { name: "azure" } }, cluster)).toThrow(
      'user "u" uses the auth-provider "azure", which spe does not support',
    );
  });
});
