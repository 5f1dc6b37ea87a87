/**
 * `spe run` stops within its drain deadline even when a reconcile hangs on a dead target
 * cluster: the target's kubeconfig points at a fault proxy that accepts connections and
 * never answers, so the reconcile waits out its request timeout (30 s); SIGTERM with
 * --drain-deadline 2s exits after the deadline (1, "drain deadline passed") instead.
 */
import { execa, type ResultPromise } from "execa";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/kube/client.js";
import { crdNamesOf, smallDescriptor } from "../fixtures/small-descriptor.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NAME = `rdrain${id}`;
const GROUP = `${NAME}.tests.spe.dev`;
const KIND = `Rdrain${id}`;
const NS = `spe-drain-${id}`;
const TEXT = smallDescriptor({ name: NAME, kind: KIND, kubeconfigTarget: true });
const CRDS = crdNamesOf(TEXT);
const repoRoot = resolve(import.meta.dirname, "../..");
const DEADLINE_MS = 2_000;

let dir: string;
let proxy: FaultProxy;
let child: ResultPromise<{ reject: false; all: true }> | undefined;
const lines: string[] = [];

beforeAll(async () => {
  const platform = kubeConfigFor("platform");
  for (const kc of [platform, kubeConfigFor("onboarding")])
    await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  dir = await mkdtemp(join(tmpdir(), "spe-drain-"));
  await writeFile(join(dir, "descriptor.yaml"), TEXT);
  // The target: a proxy that takes every connection and answers none.
  const mcp = testEnv().clusters.mcp;
  proxy = await startFaultProxy({ target: new URL(mcp.server) });
  proxy.meet({ kind: "blackhole" });
  const kubeconfig = (await readFile(mcp.kubeconfigPath, "utf8")).replace(mcp.server, proxy.url);
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "mcp-a-kubeconfig", namespace: NS },
    stringData: { kubeconfig },
  });
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await proxy.close();
  await rm(dir, { recursive: true, force: true });
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  await KubeClient.for(kubeConfigFor("onboarding")).delete({ ...crd, name: CRDS.api });
  await KubeClient.for(kubeConfigFor("platform")).delete({ ...crd, name: CRDS.config });
  for (const role of ["platform", "onboarding"] as const)
    await KubeClient.for(kubeConfigFor(role)).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("spe run on SIGTERM with a dead target cluster", () => {
  it("exits once the drain deadline passes, not when the hung request times out", async () => {
    const env = testEnv();
    child = execa(
      join(repoRoot, "node_modules/.bin/tsx"),
      [
        "src/cli/main.ts",
        "run",
        "--platform-kubeconfig",
        env.clusters.platform.kubeconfigPath,
        "--onboarding-kubeconfig",
        env.clusters.onboarding.kubeconfigPath,
        "--descriptors",
        dir,
        "--ops-port",
        "0",
        "--drain-deadline",
        `${DEADLINE_MS / 1000}s`,
        "--helm-worker",
        env.binaries["spe-helm-worker"],
      ],
      { cwd: repoRoot, reject: false, all: true, env: { SPE_HELM_WORKER: "" } },
    );
    child.all.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
    await eventually("the config CRD", () =>
      read(kubeConfigFor("platform"), { ...crd, metadata: { name: CRDS.config } }),
    );
    await eventually("the API CRD", () =>
      read(kubeConfigFor("onboarding"), { ...crd, metadata: { name: CRDS.api } }),
    );
    await apply(kubeConfigFor("platform"), {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: NAME },
      spec: { note: "drain" },
    });
    await apply(kubeConfigFor("onboarding"), {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: KIND,
      metadata: { name: "mcp-a", namespace: NS },
      spec: { message: "hangs" },
    });
    // A reconcile is waiting on the target: the proxy holds its connection.
    await eventually("a request held by the dead target", () =>
      proxy.connections().length > 0 ? true : undefined,
    );
    const signalled = Date.now();
    child.kill("SIGTERM");
    const result = await child;
    const took = Date.now() - signalled;
    expect(result.exitCode, result.all).toBe(1);
    expect(lines.some((l) => l.includes("drain deadline passed"))).toBe(true);
    expect(took).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect(took).toBeLessThan(DEADLINE_MS + 8_000);
  });
});
