/**
 * The helm worker as a process: it answers with the Helm SDK version, survives a cancelled
 * operation, is replaced after a crash (the interrupted release is recovered by the plugin),
 * and exits when stopped. A pre-install hook Job on the platform cluster (no controllers run
 * there) never completes, which keeps an install busy for as long as a test needs.
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HelmUnitPlan } from "../../src/descriptor/plan.js";
import {
  HelmPlugin,
  HelmWorker,
  helmWorkerStarts,
  isHelmError,
  latestRelease,
} from "../../src/plugins/helm/index.js";
import { KubeClient } from "../../src/kube/client.js";
import { releaseHistory, unlockRelease } from "../../src/plugins/helm/release.js";
import { UnitError } from "../../src/engine/reconcile/deploy.js";
import { classifyDeployFailure } from "../../src/engine/reconcile/failures.js";
import type { UnitScope } from "../../src/plugins/types.js";
import { VERSIONS } from "../env/versions.js";
import { startFaultProxy } from "../support/fault-proxy.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { serviceAccountToken, servingCertificate, tokenKubeconfig } from "./support/tokens.js";

const id = randomBytes(3).toString("hex");
const ns = `helm-worker-${id}`;
let baseDir = "";

const HOOK_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: "{{ .Release.Name }}-pre"
  annotations:
    "helm.sh/hook": pre-install
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: wait
          image: registry.k8s.io/pause:3.9
`;

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: "{{ .Release.Name }}"
data:
  message: "{{ .Values.message }}"
`;

async function writeChart(name: string, templates: Record<string, string>): Promise<void> {
  const dir = join(baseDir, name);
  await mkdir(join(dir, "templates"), { recursive: true });
  await writeFile(join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
  for (const [file, text] of Object.entries(templates)) await writeFile(join(dir, "templates", file), text);
}

const scope = (): UnitScope => ({
  kubeconfig: kubeConfigFor("platform"),
  owner: { provider: "demo", group: "demo.spe.dev", kind: "Demo", namespace: "t", name: id, uid: "u" },
  baseDir,
});

function unit(chart: string, release: string): HelmUnitPlan {
  return {
    type: "helm",
    name: "app",
    dependsOn: [],
    deletionPolicy: "delete",
    readiness: { kind: "none" },
    helm: {
      releaseName: release,
      namespace: ns,
      chart: { path: chart },
      values: { message: "hi" },
      createNamespace: true,
      adopt: "ifUnowned",
    },
  };
}

const platform = (): KubeClient => KubeClient.for(kubeConfigFor("platform"));
const AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

async function pendingInstall(release: string): Promise<void> {
  await expect
    .poll(async () => (await latestRelease(platform(), ns, release))?.status, {
      timeout: 30_000,
      interval: 100,
    })
    .toBe("pending-install");
}

describe("helm worker process", () => {
  const plugin = new HelmPlugin({ path: testEnv().binaries["spe-helm-worker"], timeoutSeconds: 600 });

  beforeAll(async () => {
    baseDir = await mkdtemp(join(tmpdir(), "spe-e2e-worker-"));
    await writeChart("hooked", { "hook.yaml": HOOK_JOB, "configmap.yaml": CONFIGMAP });
    await writeChart("plain", { "configmap.yaml": CONFIGMAP });
  });

  afterAll(async () => {
    await plugin.stop();
    await platform().delete({ apiVersion: "v1", kind: "Namespace", name: ns });
    await rm(baseDir, { recursive: true, force: true });
  });

  it("reports the Helm SDK version it was built with", async () => {
    await expect(plugin.start()).resolves.toBe(VERSIONS.helm);
  });

  it("a missing worker binary is BinaryNotFound, naming the path", async () => {
    const missing = new HelmWorker({ path: join(baseDir, "no-such-worker") });
    const err: unknown = await missing.start().catch((e: unknown) => e);
    expect(isHelmError(err, "BinaryNotFound")).toBe(true);
    expect(String(err)).toContain("no-such-worker");
  });

  it("a cancelled operation fails as Cancelled; the same worker goes on serving", async () => {
    const pid = await plugin.helm.pid();
    const abort = new AbortController();
    const installing = plugin.create(unit("hooked", "cancelled"), { ...scope(), signal: abort.signal });
    await pendingInstall("cancelled");
    abort.abort();
    const err: unknown = await installing.catch((e: unknown) => e);
    expect(String(err)).toMatch(/cancelled/);
    await plugin.create(unit("plain", "after-cancel"), scope());
    expect((await latestRelease(platform(), ns, "after-cancel"))?.status).toBe("deployed");
    expect(await plugin.helm.pid()).toBe(pid);
  });

  it("an uninstall or rollback past spe's bound answers the cancel itself (Timeout, not killed), the release left as it was", async () => {
    // Only this worker talks through the proxy; swallowing its connections keeps it waiting on
    // the cluster. The worker must answer the cancel within the grace, or it is killed as hung.
    const server = new URL(kubeConfigFor("platform").getCurrentCluster()!.server);
    const proxy = await startFaultProxy({ target: server, tls: await servingCertificate() });
    const bounded = new HelmPlugin({
      path: testEnv().binaries["spe-helm-worker"],
      timeoutMs: 2_000,
      cancelGraceMs: 3_000,
    });
    try {
      const token = await serviceAccountToken("platform", ns, "cancel");
      const kubeconfig = tokenKubeconfig("platform", token, proxy.url);
      await plugin.create(unit("plain", "cancel-ops"), scope());
      const v2 = unit("plain", "cancel-ops");
      await plugin.create({ ...v2, helm: { ...v2.helm, values: { message: "v2" } } }, scope());
      await bounded.start();
      const pid = await bounded.helm.pid();
      for (const op of ["uninstall", "rollback"] as const) {
        proxy.meet({ kind: "blackhole" });
        proxy.cut();
        const request = {
          kubeconfig,
          release: "cancel-ops",
          namespace: ns,
          ...(op === "rollback" ? { revision: 1 } : {}),
        };
        const err: unknown = await bounded.helm
          .call(op, request, { failure: "UninstallFailed", what: op })
          .catch((e: unknown) => e);
        expect(isHelmError(err, "Timeout"), `${op}: ${String(err)}`).toBe(true);
        expect(String(err)).not.toMatch(/was killed/);
        expect(await bounded.helm.pid()).toBe(pid);
        proxy.meet({ kind: "forward" });
      }
      expect(await latestRelease(platform(), ns, "cancel-ops")).toMatchObject({
        revision: 2,
        status: "deployed",
      });
    } finally {
      await bounded.stop();
      await proxy.close();
    }
  });

  it("a hook outlasting helm's --timeout fails as Timeout (the worker's code), is undone, and the engine says Timeout", async () => {
    const impatient = new HelmPlugin({ path: testEnv().binaries["spe-helm-worker"], timeoutSeconds: 2 });
    try {
      const err: unknown = await impatient
        .create(unit("hooked", "hook-timeout"), scope())
        .catch((e: unknown) => e);
      expect(isHelmError(err, "Timeout")).toBe(true);
      // The install helm gave up on is undone like any failed install: no release is left.
      expect(await latestRelease(platform(), ns, "hook-timeout")).toBeUndefined();
      const { condition } = classifyDeployFailure(new UnitError("app", "create", err));
      expect(condition).toMatchObject({ type: "Deployed", status: "False", reason: "Timeout" });
    } finally {
      await impatient.stop();
    }
  });

  it("an operation past spe's own bound fails as Timeout, not as an unreachable target", async () => {
    const bounded = new HelmPlugin({
      path: testEnv().binaries["spe-helm-worker"],
      timeoutSeconds: 600,
      timeoutMs: 3_000,
    });
    try {
      const err: unknown = await bounded
        .create(unit("hooked", "spe-timeout"), scope())
        .catch((e: unknown) => e);
      expect(isHelmError(err, "Timeout")).toBe(true);
      expect(String(err)).toMatch(/timed out/);
      const { condition } = classifyDeployFailure(new UnitError("app", "create", err));
      expect(condition).toMatchObject({ type: "Deployed", status: "False", reason: "Timeout" });
      await bounded.delete(unit("hooked", "spe-timeout"), scope());
    } finally {
      await bounded.stop();
    }
  });

  it("a crashed worker fails its operations and is replaced; the release it left pending is recovered", async () => {
    const startsBefore = helmWorkerStarts();
    const installing = plugin.create(unit("hooked", "crashed"), scope());
    await pendingInstall("crashed");
    const pid = await plugin.helm.pid();
    expect(pid).toBeDefined();
    process.kill(pid ?? 0, "SIGKILL");
    const err: unknown = await installing.catch((e: unknown) => e);
    expect(String(err)).toMatch(/helm worker exited/);
    // The next operation starts a new worker. The release the dead one left pending-install
    // is unlocked and, having no good revision, reinstalled from scratch by the plugin.
    await plugin.create(unit("plain", "crashed"), scope());
    expect(helmWorkerStarts()).toBe(startsBefore + 1);
    expect(await plugin.helm.pid()).not.toBe(pid);
    expect(await latestRelease(platform(), ns, "crashed")).toMatchObject({ status: "deployed" });
  });

  it("a hung worker (stopped mid-install) is killed past the bound and its cancel's grace; a new one recovers the release", async () => {
    const bounded = new HelmPlugin({
      path: testEnv().binaries["spe-helm-worker"],
      timeoutSeconds: 600,
      timeoutMs: 3_000,
      cancelGraceMs: 1_000,
    });
    try {
      const installing = bounded.create(unit("hooked", "hung"), scope());
      await pendingInstall("hung");
      const pid = (await bounded.helm.pid()) ?? 0;
      expect(pid).toBeGreaterThan(0);
      // Stopped, it answers nothing, not even the cancel.
      process.kill(pid, "SIGSTOP");
      const err: unknown = await installing.catch((e: unknown) => e);
      expect(isHelmError(err, "Timeout")).toBe(true);
      expect(String(err)).toMatch(/did not answer its cancel within 1 s and was killed/);
      // The operation failed only once the hung process was gone: nothing still acts on the release.
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
      const { condition } = classifyDeployFailure(new UnitError("app", "create", err));
      expect(condition).toMatchObject({ type: "Deployed", status: "False", reason: "Timeout" });
      // The next operation runs on a new worker, which takes over the release left pending-install.
      await bounded.create(unit("plain", "hung"), scope());
      expect(await bounded.helm.pid()).not.toBe(pid);
      const history = await releaseHistory(platform(), ns, "hung");
      const statuses = history.map((s) => s.metadata.labels?.status);
      expect(statuses.filter((st) => st === "deployed")).toHaveLength(1);
      expect(statuses.filter((st) => st?.startsWith("pending"))).toHaveLength(0);
    } finally {
      await bounded.stop();
    }
  });

  it("takes over a release only as it was read: one changed since is left alone (OperationInProgress)", async () => {
    await plugin.create(unit("plain", "taken"), scope());
    const read = await latestRelease(platform(), ns, "taken");
    expect(read?.status).toBe("deployed");
    // Another writer (a helm still working on it) changes the revision after spe read it.
    const ref = { apiVersion: "v1", kind: "Secret", namespace: ns, name: read!.secretName };
    await platform().mergePatch(ref, { metadata: { annotations: { "e2e/touched": "yes" } } }, "other-helm");
    const err: unknown = await unlockRelease(platform(), read!).catch((e: unknown) => e);
    expect(isHelmError(err, "OperationInProgress")).toBe(true);
    expect(String(err)).toMatch(/changed since spe read it/);
    expect((await latestRelease(platform(), ns, "taken"))?.status).toBe("deployed");
    // Read afresh, the same revision is taken over.
    await unlockRelease(platform(), (await latestRelease(platform(), ns, "taken"))!);
    expect((await latestRelease(platform(), ns, "taken"))?.status).toBe("failed");
  });

  it("runs at most --helm-concurrency operations at once; the next one starts when a slot frees", async () => {
    const single = new HelmPlugin({
      path: testEnv().binaries["spe-helm-worker"],
      timeoutSeconds: 600,
      concurrency: 1,
    });
    try {
      const abort = new AbortController();
      const busy = single.create(unit("hooked", "slot-holder"), { ...scope(), signal: abort.signal });
      busy.catch(() => undefined);
      await pendingInstall("slot-holder");
      const queued = single.create(unit("plain", "slot-waiter"), scope());
      let done = false;
      void queued.then(() => {
        done = true;
      });
      // A plain install takes well under a second; with the only slot held it does not start.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(done).toBe(false);
      expect(await latestRelease(platform(), ns, "slot-waiter")).toBeUndefined();
      abort.abort();
      await queued;
      expect((await latestRelease(platform(), ns, "slot-waiter"))?.status).toBe("deployed");
    } finally {
      await single.stop();
    }
  });

  it("each install sees the API versions served at that moment, a CRD added or removed included", async () => {
    const group = `caps-${id}.spe.dev`;
    await writeChart("caps", {
      "configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: "{{ .Release.Name }}"
data:
  widgets: "{{ .Capabilities.APIVersions.Has "${group}/v1" }}"
`,
    });
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
          },
        ],
      },
    };
    const crdRef = { apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name };
    const discovered = async (): Promise<boolean> => {
      const doc = await platform().send({ method: "GET", path: "/apis", accept: AGGREGATED_DISCOVERY });
      return JSON.stringify(doc).includes(`"${group}"`);
    };
    const seen = async (release: string): Promise<string | undefined> => {
      await plugin.create(unit("caps", release), scope());
      const cm = (await platform().get({
        apiVersion: "v1",
        kind: "ConfigMap",
        name: release,
        namespace: ns,
      })) as { data?: Record<string, string> } | undefined;
      return cm?.data?.widgets;
    };
    expect(await seen("caps-before")).toBe("false");
    expect(await seen("caps-unchanged")).toBe("false");
    await platform().apply(crd, { manager: "e2e", force: true });
    await expect.poll(discovered, { timeout: 30_000, interval: 200 }).toBe(true);
    expect(await seen("caps-added")).toBe("true");
    expect(await seen("caps-still")).toBe("true");
    await platform().delete(crdRef);
    await expect.poll(discovered, { timeout: 30_000, interval: 200 }).toBe(false);
    expect(await seen("caps-removed")).toBe("false");
  });

  it("stop ends the worker process", async () => {
    const pid = await plugin.helm.pid();
    expect(pid).toBeDefined();
    await plugin.stop();
    expect(() => process.kill(pid ?? 0, 0)).toThrow();
  });
});
