/**
 * The real `spe run` process (through tsx, as `npx tsx src/cli/main.ts run`):
 * with leader election on, it takes the Lease, serves a descriptor directory,
 * answers /healthz, /readyz and /metrics, and on SIGTERM drains, hands the
 * Lease back and exits 0.
 */
import { CoordinationV1Api } from "@kubernetes/client-node";
import { execa, type ResultPromise } from "execa";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { crdNamesOf, smallDescriptor } from "../fixtures/small-descriptor.js";
import { clientNode } from "./support/client-node.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NAME = `rcli${id}`;
const NS = `spe-cli-${id}`;
const CRDS = crdNamesOf(smallDescriptor({ name: NAME }));
const repoRoot = resolve(import.meta.dirname, "../..");

let dir: string;
let platform: KubeConfig;
let child: ResultPromise<{ reject: false; all: true }> | undefined;
const lines: string[] = [];

beforeAll(async () => {
  platform = kubeConfigFor("platform");
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  dir = await mkdtemp(join(tmpdir(), "spe-cli-"));
  await writeFile(join(dir, "descriptor.yaml"), smallDescriptor({ name: NAME }));
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
  const onboarding = KubeClient.for(kubeConfigFor("onboarding"));
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  await onboarding.delete({ ...crd, name: CRDS.api });
  await KubeClient.for(platform).delete({ ...crd, name: CRDS.config });
  await KubeClient.for(platform).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe("spe run (the process)", () => {
  it("serves, answers the ops endpoints, and exits 0 on SIGTERM", async () => {
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
        "--leader-elect",
        "--leader-namespace",
        NS,
        "--helm-worker",
        env.binaries["spe-helm-worker"],
        "--verbosity",
        "debug",
      ],
      { cwd: repoRoot, reject: false, all: true, env: { SPE_HELM_WORKER: "" } },
    );
    child.all.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));

    const running = await eventually("the 'spe running' log line", () =>
      Promise.resolve(
        lines
          .map((l) => JSON.parse(l) as { msg?: string; ops?: number[] })
          .find((l) => l.msg === "spe running"),
      ),
    );
    const port = running.ops![0]!;
    expect((await get(port, "/healthz")).status).toBe(200);
    const ready = await eventually("/readyz 200", async () => {
      const r = await get(port, "/readyz");
      return r.status === 200 ? r.body : undefined;
    });
    expect(ready).toContain("[+]leader-election ok");
    const metrics = await get(port, "/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("# TYPE workqueue_depth gauge");

    const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
    expect(
      await read(kubeConfigFor("onboarding"), {
        ...crd,
        metadata: { name: CRDS.api },
      }),
    ).toBeDefined();
    const leases = clientNode(platform).makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ name: "spe-leader", namespace: NS });
    expect(lease.spec?.holderIdentity).toBeTruthy();

    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    const released = await leases.readNamespacedLease({ name: "spe-leader", namespace: NS });
    expect(released.spec?.holderIdentity ?? "").toBe("");
  });
});
