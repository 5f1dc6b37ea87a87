import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { WORKER_PROTOCOL } from "./handshake.js";
import { HelmWorker } from "./worker-client.js";

let dir = "";

/** A worker that passes the handshake and writes the HELM_* settings it was started with. */
async function envWorker(): Promise<string> {
  const path = join(dir, "env-worker");
  const answer = { protocol: WORKER_PROTOCOL, version: "v4.3.1" };
  const script = [
    `#!${process.execPath}`,
    `const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("HELM_")));`,
    `require("node:fs").writeFileSync(__filename + ".env", JSON.stringify(env));`,
    `require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {`,
    `  const req = JSON.parse(line);`,
    `  process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...${JSON.stringify(answer)} }) + "\\n");`,
    `});`,
  ].join("\n");
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

async function startedEnv(worker: HelmWorker, path: string): Promise<Record<string, string>> {
  await worker.start();
  await worker.stop();
  return JSON.parse(await readFile(`${path}.env`, "utf8")) as Record<string, string>;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spe-worker-env-"));
  await writeFile(join(dir, "package.json"), '{"type":"commonjs"}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("the helm worker's HELM_* settings", () => {
  it("keeps the homes spe's environment sets (an operator's registry login, repositories)", async () => {
    const path = await envWorker();
    vi.stubEnv("HELM_CONFIG_HOME", "/etc/spe/helm-config");
    vi.stubEnv("HELM_CACHE_HOME", "");
    vi.stubEnv("HELM_DRIVER", "memory");
    const env = await startedEnv(new HelmWorker({ path }), path);
    expect(env.HELM_CONFIG_HOME).toBe("/etc/spe/helm-config");
    // Unset ones still go below spe's private home, and releases are always stored in Secrets.
    expect(env.HELM_CACHE_HOME).toBe(join(tmpdir(), "spe-helm", "cache"));
    expect(env.HELM_DRIVER).toBe("secret");
  });

  it("uses only the private home it is given", async () => {
    const path = await envWorker();
    vi.stubEnv("HELM_CONFIG_HOME", "/etc/spe/helm-config");
    const home = join(dir, "home");
    const env = await startedEnv(new HelmWorker({ path, home }), path);
    expect(env.HELM_CONFIG_HOME).toBe(join(home, "config"));
  });
});
