/**
 * Private chart sources on the real clusters: the fixture chart private-greeter lives only in
 * the run's registry (basic auth, TLS from the run's CA; pushed with `helm push` at setup)
 * and the run's HTTPS chart repository (basic auth). The config offers sources naming pull
 * Secrets and CA bundles in the platform namespace spe-private-charts; each API object picks
 * one. Good credentials and CA install and go Ready; wrong credentials, an unknown CA, a
 * missing chart and a missing tag each get their own Deployed reason, with no secret in the
 * status, the events or the engine's log; a rotated pull Secret is picked up.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import type { ChartRepoInfo, RegistryInfo } from "../env/types.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-private-${id}`;
const SOURCES_NS = "spe-private-charts";
const GROUP = "private.tests.spe.dev";

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let registry: RegistryInfo & { privateChart: NonNullable<RegistryInfo["privateChart"]> };
let repo: ChartRepoInfo;
let scratch: string;
const logged: string[] = [];

const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged.push(chunk.toString("utf8"));
    done();
  },
});

function dockerConfig(host: string, auth: Record<string, string>): Record<string, string> {
  return { ".dockerconfigjson": JSON.stringify({ auths: { [host]: auth } }) };
}

function secret(name: string, type: string, stringData: Record<string, string>): object {
  return { apiVersion: "v1", kind: "Secret", type, metadata: { name, namespace: SOURCES_NS }, stringData };
}

function caBundle(name: string, pem: string): object {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: SOURCES_NS },
    data: { "ca.crt": pem },
  };
}

/** A CA of its own, which signed neither the registry's nor the repository's certificate. */
async function otherCa(): Promise<string> {
  await execa(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"].concat([
      "-keyout",
      join(scratch, "other.key"),
      "-out",
      join(scratch, "other.crt"),
      "-subj",
      "/CN=spe-unknown-ca",
    ]),
  );
  return readFile(join(scratch, "other.crt"), "utf8");
}

function sources(): object[] {
  const oci = { kind: "oci", url: registry.privateChart.oci, version: registry.privateChart.version };
  return [
    { name: "oci-ok", ...oci, pullSecret: "registry-pull", caBundle: "run-ca" },
    {
      name: "repo-ok",
      kind: "repo",
      url: repo.url,
      version: repo.chart.version,
      pullSecret: "repo-basic",
      caBundle: "run-ca",
    },
    { name: "wrong-password", ...oci, pullSecret: "registry-wrong", caBundle: "run-ca" },
    { name: "unknown-ca", ...oci, pullSecret: "registry-pull", caBundle: "other-ca" },
    {
      name: "missing-chart",
      ...oci,
      url: `oci://${registry.host}/private/no-such-chart`,
      pullSecret: "registry-pull",
      caBundle: "run-ca",
    },
    { name: "missing-tag", ...oci, version: "9.9.9", pullSecret: "registry-pull", caBundle: "run-ca" },
    {
      name: "repo-missing-version",
      kind: "repo",
      url: repo.url,
      version: "9.9.9",
      pullSecret: "repo-basic",
      caBundle: "run-ca",
    },
    { name: "rotated", ...oci, pullSecret: "registry-rotating", caBundle: "run-ca" },
  ];
}

const greeter = (
  name: string,
): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { source: string };
} => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Greeter",
  metadata: { name, namespace: NS },
  spec: { source: name },
});

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type Greeter = { status?: { phase?: string; conditions?: Condition[] } };

async function deployed(name: string): Promise<Condition | undefined> {
  const obj = (await read(onboarding, greeter(name))) as Greeter | undefined;
  return obj?.status?.conditions?.find((c) => c.type === "Deployed");
}

function secrets(): string[] {
  return [
    registry.password,
    repo.password,
    Buffer.from(`${registry.username}:${registry.password}`).toString("base64"),
  ];
}

async function eventsOf(name: string): Promise<string[]> {
  const events = await KubeClient.for(onboarding).list("v1", "Event", { namespace: NS });
  return events
    .filter((e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === name)
    .map((e) => (e as { message?: string }).message ?? "");
}

beforeAll(async () => {
  const env = testEnv();
  if (!env.registry?.privateChart || !env.chartRepo)
    throw new Error("test/env started without its private chart sources");
  registry = { ...env.registry, privateChart: env.registry.privateChart };
  repo = env.chartRepo;
  scratch = await mkdtemp(join(tmpdir(), "spe-private-charts-"));
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  const runCa = await readFile(registry.caFile, "utf8");
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: SOURCES_NS } });
  const basic = Buffer.from(`${registry.username}:${registry.password}`).toString("base64");
  for (const obj of [
    secret(
      "registry-pull",
      "kubernetes.io/dockerconfigjson",
      dockerConfig(`https://${registry.host}`, { auth: basic }),
    ),
    secret(
      "registry-wrong",
      "kubernetes.io/dockerconfigjson",
      dockerConfig(registry.host, { username: registry.username, password: `${registry.password}-old` }),
    ),
    secret(
      "registry-rotating",
      "kubernetes.io/dockerconfigjson",
      dockerConfig(registry.host, { username: registry.username, password: `${registry.password}-old` }),
    ),
    secret("repo-basic", "kubernetes.io/basic-auth", { username: repo.username, password: repo.password }),
    caBundle("run-ca", runCa),
    caBundle("other-ca", await otherCa()),
  ])
    await apply(platform, obj as { apiVersion: string; kind: string; metadata: { name: string } });
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/private-charts.yaml")], {
    logger: createLogger({ destination: sink, level: "debug" }),
  });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(platform, {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "private-charts" },
    spec: { sources: sources() },
  });
  for (const source of sources() as { name: string }[]) {
    await grantTarget(NS, `${source.name}-kubeconfig`, "mcp");
    await apply(onboarding, greeter(source.name));
  }
}, 120_000);

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  for (const source of sources() as { name: string }[])
    await client.delete({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "Greeter",
      name: source.name,
      namespace: NS,
    });
  await eventually(
    "API objects gone",
    async () => {
      const left = await client.list(`${GROUP}/v1alpha1`, "Greeter", { namespace: NS });
      return left.length === 0 ? true : undefined;
    },
    90_000,
  );
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "greeters", configName: "private-charts", namespace: NS });
  await KubeClient.for(platform).delete({ apiVersion: "v1", kind: "Namespace", name: SOURCES_NS });
  await rm(scratch, { recursive: true, force: true });
}, 150_000);

describe("private chart sources", () => {
  it("install from the registry behind auth and a custom CA, and from the HTTPS repository with basic auth, and go Ready", async () => {
    for (const name of ["oci-ok", "repo-ok"]) {
      await eventually(
        `${name} Ready`,
        async () => {
          const obj = (await read(onboarding, greeter(name))) as Greeter | undefined;
          return obj?.status?.phase === "Ready" ? true : undefined;
        },
        120_000,
      );
      const deployment = await KubeClient.for(mcp).get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: `${name}-greeter`,
        namespace: NS,
      });
      expect(deployment?.metadata.labels?.["app.kubernetes.io/version"]).toBe("0.3.1");
    }
  }, 300_000);

  it("give wrong credentials, an unknown CA, a missing chart and a missing tag each their own reason, without secrets", async () => {
    const want: Record<string, string> = {
      "wrong-password": "ChartAuthFailed",
      "unknown-ca": "ChartTLSFailed",
      "missing-chart": "ChartNotFound",
      "missing-tag": "ChartVersionNotFound",
      "repo-missing-version": "ChartVersionNotFound",
    };
    for (const [name, reason] of Object.entries(want)) {
      const condition = await eventually(
        `${name}: Deployed=False ${reason}`,
        async () => {
          const c = await deployed(name);
          return c?.status === "False" && c.reason === reason ? c : undefined;
        },
        90_000,
      );
      const events = await eventsOf(name);
      expect(events.length, `${name} has events`).toBeGreaterThan(0);
      for (const text of [condition.message ?? "", ...events, logged.join("")])
        for (const secretText of secrets()) expect(text).not.toContain(secretText);
    }
    expect((await deployed("wrong-password"))?.message).toMatch(/unauthorized|401|authentication/i);
    expect((await deployed("unknown-ca"))?.message).toMatch(/certificate/i);
  }, 300_000);

  it("pick up a rotated pull Secret at once", async () => {
    await eventually(
      "rotated: ChartAuthFailed",
      async () => {
        const c = await deployed("rotated");
        return c?.reason === "ChartAuthFailed" ? c : undefined;
      },
      90_000,
    );
    // Failures back off exponentially (5 ms doubling per failure): after failing for 30 s, the
    // next retry is at least 15 s away, so only the watch of the Secret can bring the object
    // to Ready within 10 s of its rotation.
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    expect((await deployed("rotated"))?.reason).toBe("ChartAuthFailed");
    await apply(
      platform,
      secret(
        "registry-rotating",
        "kubernetes.io/dockerconfigjson",
        dockerConfig(registry.host, { username: registry.username, password: registry.password }),
      ) as { apiVersion: string; kind: string; metadata: { name: string } },
    );
    await eventually(
      "rotated: Ready within 10 s of the rotation",
      async () => {
        const obj = (await read(onboarding, greeter("rotated"))) as Greeter | undefined;
        return obj?.status?.phase === "Ready" ? true : undefined;
      },
      10_000,
    );
  }, 150_000);
});
