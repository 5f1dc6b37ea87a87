/**
 * Leader election with two real `spe run` processes: only the leader
 * reconciles; SIGKILL of the leader hands the Lease to the standby within the
 * lease duration (15 s) plus one retry period, and the standby then serves.
 */
import { CoordinationV1Api } from "@kubernetes/client-node";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { execa, type ResultPromise } from "execa";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/kube/client.js";
import { crdNamesOf, smallDescriptor } from "../fixtures/small-descriptor.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NAME = `rfail${id}`;
const KIND = `Rfail${id}`;
const NS = `spe-failover-${id}`;
const TENANT = `tenant-${id}`;
const TEXT = smallDescriptor({ name: NAME, kind: KIND, kubeconfigTarget: true });
const CRDS = crdNamesOf(TEXT);
const LEASE_DURATION_MS = 15_000;
const RETRY_PERIOD_MS = 2_000;
const repoRoot = resolve(import.meta.dirname, "../..");

interface Engine {
  name: string;
  child: ResultPromise<{ reject: false; all: true }>;
  lines: string[];
}

let dir: string;
let platform: KubeConfig;
const engines: Engine[] = [];

function startEngine(name: string): Engine {
  const env = testEnv();
  const args = ["src/cli/main.ts", "run", "--descriptors", dir, "--ops-port", "0", "--leader-elect"];
  args.push("--platform-kubeconfig", env.clusters.platform.kubeconfigPath);
  args.push("--onboarding-kubeconfig", env.clusters.onboarding.kubeconfigPath);
  args.push(
    "--leader-namespace",
    NS,
    "--helm-worker",
    env.binaries["spe-helm-worker"],
    "--log-level",
    "info",
  );
  // node with tsx's loader, not the tsx launcher: SIGKILL must hit the engine itself, not a wrapper
  // whose orphaned child would keep renewing the Lease.
  const child = execa(process.execPath, ["--import", "tsx", ...args], {
    cwd: repoRoot,
    reject: false,
    all: true,
  });
  const engine: Engine = { name, child, lines: [] };
  child.all.on("data", (chunk: Buffer) => engine.lines.push(...chunk.toString().split("\n").filter(Boolean)));
  engines.push(engine);
  return engine;
}

async function opsPort(engine: Engine): Promise<number> {
  const running = await eventually(`${engine.name}: the 'spe running' log line`, () =>
    Promise.resolve(
      engine.lines
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as { msg?: string; ops?: number[] })
        .find((l) => l.msg === "spe running"),
    ),
  );
  return running.ops?.[0] ?? 0;
}

/** Reconciles this process has run, from its own /metrics (0 while it is standby). */
async function reconciles(port: number): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return body
    .split("\n")
    .filter((l) => l.startsWith("controller_runtime_reconcile_total{"))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

async function holder(): Promise<string> {
  const leases = clientNode(platform).makeApiClient(CoordinationV1Api);
  try {
    const lease = await leases.readNamespacedLease({ name: "spe-leader", namespace: NS });
    return lease.spec?.holderIdentity ?? "";
  } catch {
    return "";
  }
}

function apiObject(name: string) {
  return {
    apiVersion: `${NAME}.tests.spe.dev/v1alpha1`,
    kind: KIND,
    metadata: { name, namespace: TENANT },
    spec: { message: name },
  };
}

async function grant(name: string): Promise<void> {
  const kubeconfig = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-kubeconfig`, namespace: TENANT },
    stringData: { kubeconfig },
  });
}

async function ready(name: string): Promise<boolean | undefined> {
  const obj = (await read(kubeConfigFor("onboarding"), apiObject(name))) as
    { status?: { phase?: string } } | undefined;
  return obj?.status?.phase === "Ready" ? true : undefined;
}

beforeAll(async () => {
  platform = kubeConfigFor("platform");
  dir = await mkdtemp(join(tmpdir(), "spe-failover-"));
  await writeFile(join(dir, "descriptor.yaml"), TEXT);
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const kc of [platform, kubeConfigFor("onboarding")]) {
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: TENANT } });
  }
  await grant("before");
  await grant("after");
});

afterAll(async () => {
  for (const e of engines) e.child.kill("SIGKILL");
  await Promise.all(engines.map((e) => e.child));
  await rm(dir, { recursive: true, force: true });
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  const onboarding = KubeClient.for(kubeConfigFor("onboarding"));
  for (const name of ["before", "after"]) {
    await onboarding
      .send({
        method: "PATCH",
        path: `/apis/${NAME}.tests.spe.dev/v1alpha1/namespaces/${TENANT}/${CRDS.api.split(".")[0]}/${name}`,
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      })
      .catch(() => undefined);
  }
  await onboarding.delete({ ...crd, name: CRDS.api });
  await KubeClient.for(platform).delete({ ...crd, name: CRDS.config });
});

describe("two spe run processes with leader election", () => {
  it("only the leader reconciles; the standby takes over after the leader is killed", async () => {
    const first = startEngine("first");
    const firstPort = await opsPort(first);
    const leader = await eventually("a lease holder", async () => (await holder()) || undefined);
    const second = startEngine("second");
    const secondPort = await opsPort(second);
    await apply(platform, {
      apiVersion: `${NAME}.tests.spe.dev/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: NAME },
      spec: {},
    });
    await apply(kubeConfigFor("onboarding"), apiObject("before"));
    await eventually("the first object Ready", () => ready("before"), 60_000);
    expect(await holder()).toBe(leader);
    expect(await reconciles(firstPort)).toBeGreaterThan(0);
    expect(await reconciles(secondPort)).toBe(0);

    first.child.kill("SIGKILL");
    const killedAt = Date.now();
    const next = await eventually(
      "a new lease holder",
      async () => {
        const h = await holder();
        return h && h !== leader ? h : undefined;
      },
      LEASE_DURATION_MS + 4 * RETRY_PERIOD_MS + 10_000,
    );
    const takeover = Date.now() - killedAt;
    expect(next).not.toBe(leader);
    expect(takeover).toBeLessThan(LEASE_DURATION_MS + 2 * RETRY_PERIOD_MS);

    await apply(kubeConfigFor("onboarding"), apiObject("after"));
    await eventually("the second object Ready, served by the new leader", () => ready("after"), 60_000);
    expect(await reconciles(secondPort)).toBeGreaterThan(0);
  });
});
