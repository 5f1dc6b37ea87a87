/**
 * The operator's log on the real clusters: one info line per action (installed, upgraded,
 * drift corrected, deleted) with the unit, the helm release, its revision and the duration;
 * every line names its component once, says each message once and carries no stack trace
 * for what is expected. And `spe run` started while its cluster is not reachable yet says so
 * without a stack trace (test/fixtures/descriptors/drift.yaml: the storefront chart and a
 * manifests unit).
 */
import { execa } from "execa";
import { readFile, writeFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, repoRoot, startEngine } from "./support/engine.js";
import { apply, eventually } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-log-${id}`;
const GROUP = "drift.tests.spe.dev";
const NAME = "logs";
const IMAGE = "registry.invalid/storefront:0.3.0";

interface Line {
  level: string;
  msg: string;
  component?: string;
  key?: string;
  unit?: string;
  release?: string;
  namespace?: string;
  revision?: number;
  objects?: number;
  durationMs?: number;
  err?: Record<string, unknown>;
}

const raw: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, callback) {
    raw.push(...chunk.toString().split("\n").filter(Boolean));
    callback();
  },
});
const lines = (): Line[] => raw.map((l) => JSON.parse(l) as Line);
/** The info lines of one action of this test's API object. */
const actions = (action: string): Line[] =>
  lines().filter((l) => l.level === "info" && l.msg === action && l.key === `${NS}/${NAME}`);

const api = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Storefront",
  metadata: { name: NAME, namespace: NS },
  spec: {},
};
const apiRef = { apiVersion: api.apiVersion, kind: api.kind, name: NAME, namespace: NS };
const config = (image: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "drift" },
  spec: { image },
});

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function phase(): Promise<string | undefined> {
  const obj = await KubeClient.for(onboarding).get(apiRef);
  return (obj?.status as { phase?: string } | undefined)?.phase;
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/drift.yaml")], {
    logger: createLogger({ destination: sink, level: "info" }),
  });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantTarget(NS, `${NAME}-kubeconfig`, "mcp");
  await apply(platform, config(IMAGE));
});

afterAll(async () => {
  await KubeClient.for(onboarding).delete(apiRef);
  await eventually("API object gone", async () =>
    (await KubeClient.for(onboarding).get(apiRef)) ? undefined : true,
  ).catch(() => undefined);
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "storefronts", configName: "drift", namespace: NS });
});

describe("the operator's log", () => {
  it("writes one info line per action, with release, revision and duration", async () => {
    await apply(onboarding, api);
    await eventually("Ready", async () => ((await phase()) === "Ready" ? true : undefined), 90_000);
    const installed = actions("installed");
    expect(installed.filter((l) => l.unit === "shop")).toEqual([
      expect.objectContaining({
        component: "spe",
        release: NAME,
        namespace: NS,
        revision: 1,
        durationMs: expect.any(Number) as unknown,
      }),
    ]);
    expect(installed.filter((l) => l.unit === "extras")).toEqual([
      expect.objectContaining({ objects: 2, durationMs: expect.any(Number) as unknown }),
    ]);

    await apply(platform, config("registry.invalid/storefront:0.3.1"));
    const upgraded = await eventually("one upgraded line", () =>
      actions("upgraded").length > 0 ? actions("upgraded") : undefined,
    );
    expect(upgraded).toEqual([expect.objectContaining({ unit: "shop", release: NAME, revision: 2 })]);

    const client = KubeClient.for(mcp);
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", name: NAME, namespace: NS };
    await client.send({
      method: "PATCH",
      path: `${await client.path(deployment)}?fieldManager=kubectl-edit`,
      body: { spec: { replicas: 3 } },
      contentType: "application/merge-patch+json",
    });
    const corrected = await eventually("one drift corrected line", () =>
      actions("drift corrected").length > 0 ? actions("drift corrected") : undefined,
    );
    expect(corrected).toEqual([
      expect.objectContaining({ unit: "shop", release: NAME, revision: 2, objects: 1 }),
    ]);

    await KubeClient.for(onboarding).delete(apiRef);
    await eventually("API object gone", async () =>
      (await KubeClient.for(onboarding).get(apiRef)) ? undefined : true,
    );
    const deleted = actions("deleted");
    expect(deleted.map((l) => l.unit).sort()).toEqual(["extras", "shop"]);
    expect(deleted.find((l) => l.unit === "shop")).toMatchObject({ release: NAME, namespace: NS });
    // Nothing was done twice.
    expect(actions("installed")).toHaveLength(2);
    expect(actions("upgraded")).toHaveLength(1);
    for (const line of raw) expect(line.match(/"component":/g), line).toHaveLength(1);
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("spe run before its cluster is reachable", () => {
  it("says the provider could not start, once per change, without a stack trace", async () => {
    const env = testEnv();
    const dir = await mkdtemp(join(tmpdir(), "spe-log-"));
    const dead = join(dir, "kubeconfig");
    const text = await readFile(env.clusters.platform.kubeconfigPath, "utf8");
    await writeFile(
      dead,
      text.replace(env.clusters.platform.server, `https://127.0.0.1:${await closedPort()}`),
    );
    const out: string[] = [];
    const child = execa(
      join(repoRoot, "node_modules/.bin/tsx"),
      [
        "src/cli/main.ts",
        "run",
        "--platform-kubeconfig",
        dead,
        "--onboarding-kubeconfig",
        dead,
        "--descriptors",
        "test/fixtures/descriptors/drift.yaml",
        "--ops-port",
        "0",
        "--helm-worker",
        env.binaries["spe-helm-worker"],
        "--log-level",
        "debug",
      ],
      { cwd: repoRoot, reject: false, all: true, env: { SPE_HELM_WORKER: "" } },
    );
    let partial = "";
    child.all.on("data", (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split("\n");
      partial = parts.pop() ?? "";
      out.push(...parts.filter(Boolean));
    });
    const level = (l: string): string => (JSON.parse(l) as Line).level;
    const attempts = (): number => out.filter((l) => l.includes('"msg":"provider failed to start"')).length;
    try {
      // The source retries after 2 s: the first attempt and a retry, so that what repeats is seen too.
      await eventually("a start attempt and a retry", () => (attempts() >= 2 ? true : undefined), 30_000);
    } finally {
      child.kill("SIGTERM");
      await child;
      await rm(dir, { recursive: true, force: true });
    }
    // Reported once (by the descriptor source, which retries); each attempt only at debug level.
    const failures = out.filter((l) => level(l) !== "debug" && l.includes("ECONNREFUSED"));
    expect(failures).toHaveLength(1);
    for (const line of out) {
      expect(line.match(/"component":/g), line).toHaveLength(1);
      expect(line, line).not.toContain('"stack"');
    }
  });
});
