/**
 * The test environment's OCI registry, as the tests that use it rely on it:
 * TLS from the run's CA, basic auth that refuses wrong credentials, and a real
 * OCI client (helm) pushing a chart and pulling it back by digest.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import type { RegistryInfo } from "../env/types.js";
import { testEnv } from "./support/env.js";

const chart = join(import.meta.dirname, "../fixtures/charts/demo-service");

function registry(): RegistryInfo {
  const info = testEnv().registry;
  if (!info) throw new Error("test/env started without its registry");
  return info;
}

interface Answer {
  status: number;
  challenge?: string;
}

/** GET /v2/ (the API's version check) with the given credentials and trust. */
async function versionCheck(auth: string | undefined, ca: string | undefined): Promise<Answer> {
  const { host } = registry();
  return new Promise((resolve, reject) => {
    const headers = auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : undefined;
    const req = request(`https://${host}/v2/`, { ca, headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"] });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("test registry", () => {
  let ca: string;
  let home: string;
  const helm = (...args: string[]): Promise<{ stdout: string; stderr: string }> =>
    execa(testEnv().binaries.helm, args, {
      env: { HELM_CONFIG_HOME: join(home, "config"), HELM_CACHE_HOME: join(home, "cache") },
    });

  beforeAll(async () => {
    ca = await readFile(registry().caFile, "utf8");
    home = await mkdtemp(join(tmpdir(), "spe-registry-test-"));
  });
  afterAll(() => rm(home, { recursive: true, force: true }));

  it("serves TLS that only the run's CA vouches for", async () => {
    await expect(versionCheck(undefined, undefined)).rejects.toThrow(/self-signed|unable to verify/i);
  });

  it("asks for basic auth and refuses a wrong password", async () => {
    const { username, password } = registry();
    const anonymous = await versionCheck(undefined, ca);
    expect(anonymous.status).toBe(401);
    expect(anonymous.challenge).toMatch(/^Basic realm=/);
    expect((await versionCheck(`${username}:${password}x`, ca)).status).toBe(401);
    expect((await versionCheck(`${username}:${password}`, ca)).status).toBe(200);
  });

  it("takes a helm chart pushed with the credentials and gives it back by digest", async () => {
    const { host, username, password, caFile } = registry();
    const packaged = await helm("package", chart, "--destination", home);
    const tgz = /saved it to: (\S+)/.exec(packaged.stdout)?.[1];
    expect(tgz).toBeDefined();
    await expect(helm("push", tgz!, `oci://${host}/charts`, "--ca-file", caFile)).rejects.toThrow(
      /unauthorized|authentication required|credential not found|401/i,
    );
    await execa(
      testEnv().binaries.helm,
      ["registry", "login", host, "--username", username, "--password-stdin", "--ca-file", caFile],
      {
        input: password,
        env: { HELM_CONFIG_HOME: join(home, "config"), HELM_CACHE_HOME: join(home, "cache") },
      },
    );
    const pushed = await helm("push", tgz!, `oci://${host}/charts`, "--ca-file", caFile);
    const digest = /Digest: (sha256:[0-9a-f]{64})/.exec(`${pushed.stdout}\n${pushed.stderr}`)?.[1];
    expect(digest).toBeDefined();
    const pulledDir = join(home, "pulled");
    await mkdir(pulledDir);
    await helm("pull", `oci://${host}/charts/demo-service@${digest!}`, "--ca-file", caFile, "-d", pulledDir);
    const [pulled] = await readdir(pulledDir);
    expect(await readFile(join(pulledDir, pulled!))).toEqual(await readFile(tgz!));
  });
});
