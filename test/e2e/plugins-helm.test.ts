import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HelmUnitPlan, JsonObject } from "../../src/descriptor/plan.js";
import { HelmPlugin, helmOperationCount, isHelmError, latestRelease } from "../../src/plugins/helm/index.js";
import { KubeClient } from "../../src/kube/client.js";
import { observeRequests } from "../../src/kube/http.js";
import { decodeRelease, encodeRelease } from "../../src/plugins/helm/release.js";
import type { TargetCache, UnitScope } from "../../src/plugins/types.js";
import { refKey, refOf } from "../../src/plugins/objects/drift.js";
import { desiredHashOf, fingerprintOf } from "../../src/plugins/objects/fingerprint.js";
import { serveChartRepo } from "./support/chart-repo.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import type { ClusterRole } from "../env/types.js";

const id = randomBytes(3).toString("hex");
const ns = `helm-${id}`;
const fixtures = fileURLToPath(new URL("../fixtures/charts/", import.meta.url));
let baseDir = "";

const scope = (role: ClusterRole = "mcp"): UnitScope => ({
  kubeconfig: kubeConfigFor(role),
  owner: {
    provider: "demo",
    group: "demo.services.spe.dev",
    kind: "Demo",
    namespace: "tenant",
    name: id,
    uid: "u1",
  },
  baseDir,
});

function unit(
  values: JsonObject,
  opts: { chart?: string; release?: string; namespace?: string } = {},
): HelmUnitPlan {
  return {
    type: "helm",
    name: "demo",
    dependsOn: [],
    deletionPolicy: "delete",
    readiness: { kind: "kstatus" },
    helm: {
      releaseName: opts.release ?? "demo",
      namespace: opts.namespace ?? ns,
      chart: { path: opts.chart ?? "demo-service" },
      values,
      createNamespace: true,
      adopt: "ifUnowned",
    },
  };
}

const deploymentRef = { apiVersion: "apps/v1", kind: "Deployment", name: "demo", namespace: ns };
const configRef = { apiVersion: "v1", kind: "ConfigMap", name: "demo-config", namespace: ns };
const mcp = (): KubeClient => KubeClient.for(kubeConfigFor("mcp"));

/** Watches that know nothing yet and record nothing: every answer sends the plugin to the API. */
const NOTHING_KNOWN: TargetCache = {
  object: () => undefined,
  list: () => undefined,
  deleted: () => false,
  verify: () => undefined,
  verifyWritten: () => undefined,
  verified: () => undefined,
};

async function patchAs(manager: string, ref: typeof deploymentRef, body: object): Promise<void> {
  await mcp().send({
    method: "PATCH",
    path: `${await mcp().path(ref)}?fieldManager=${manager}`,
    body,
    contentType: "application/strategic-merge-patch+json",
  });
}

describe("helm plugin", () => {
  const plugin = new HelmPlugin({ path: testEnv().binaries["spe-helm-worker"] });

  beforeAll(async () => {
    baseDir = await mkdtemp(join(tmpdir(), "spe-e2e-charts-"));
    await cp(fixtures, baseDir, { recursive: true });
    await expect(plugin.start()).resolves.toMatch(/^v4\./);
  });

  afterAll(async () => {
    await plugin.stop();
    for (const role of ["mcp", "platform"] as const) {
      await KubeClient.for(kubeConfigFor(role)).delete({ apiVersion: "v1", kind: "Namespace", name: ns });
    }
    await rm(baseDir, { recursive: true, force: true });
  });

  it("installs the chart; the Deployment becomes Available by kstatus", async () => {
    const plan = unit({ message: "hello" });
    expect((await plugin.observe(plan, scope())).exists).toBe(false);
    await plugin.create(plan, scope());
    const release = await latestRelease(mcp(), ns, "demo");
    expect(release).toMatchObject({ status: "deployed", revision: 1, chartVersion: "1.0.0" });
    await expect
      .poll(async () => (await plugin.observe(plan, scope())).ready, { timeout: 60_000, interval: 1_000 })
      .toBe(true);
    const seen = await plugin.observe(plan, scope());
    expect(seen).toMatchObject({ exists: true, upToDate: true, drift: [] });
    expect(seen.objects.map((o) => `${o.kind}/${o.name}:${o.phase}`).sort()).toEqual([
      "ConfigMap/demo-config:Current",
      "Deployment/demo:Current",
      "Service/demo:Current",
    ]);
    expect(seen.outputs.release).toMatchObject({
      name: "demo",
      namespace: ns,
      chartName: "demo-service",
      revision: 1,
    });
    // CRDs from crds/ are installed by helm (not part of the release manifest).
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "widgets.demo.spe.dev",
    };
    expect(await mcp().get(crd)).toBeDefined();
  });

  it("tells the watch cache each object an install or upgrade applied, at its live fingerprint", async () => {
    // What the engine's watches would be told: observing right after a deploy then needs no
    // GET and no dry-run for these objects.
    const verified = new Map<string, { fingerprint: string; desiredHash: string }>();
    const cache: TargetCache = {
      ...NOTHING_KNOWN,
      verify: (ref, fingerprint, desiredHash) => verified.set(refKey(ref), { fingerprint, desiredHash }),
      verifyWritten: (ref, written, desiredHash) =>
        verified.set(refKey(ref), { fingerprint: written.fingerprint, desiredHash }),
    };
    for (const message of ["first", "second"]) {
      verified.clear();
      const plan = unit({ message }, { release: "told" });
      await plugin.create(plan, { ...scope(), cache });
      const objects = await plugin.deployedObjects(plan, scope());
      expect([...verified.keys()].sort()).toEqual(objects.map((o) => refKey(refOf(o))).sort());
      for (const obj of objects) {
        const live = await mcp().get(refOf(obj));
        expect(verified.get(refKey(refOf(obj)))).toEqual({
          fingerprint: fingerprintOf(live!),
          desiredHash: desiredHashOf(obj),
        });
      }
    }
    expect(await latestRelease(mcp(), ns, "told")).toMatchObject({ revision: 2, status: "deployed" });
    await plugin.delete(unit({ message: "second" }, { release: "told" }), scope());
  });

  it("installs a release the watch says is absent without reading it first", async () => {
    // The engine's watches also know the release namespace is there (spe creates it when not).
    const absent: TargetCache = {
      ...NOTHING_KNOWN,
      list: () => [],
      object: (ref) =>
        ref.kind === "Namespace" && ref.name === ns
          ? { uid: "ns", resourceVersion: "1", fingerprint: "ns", phase: "Current" }
          : undefined,
    };
    // One scope, so the kinds' discovery the first install looks up stays cached for the second.
    const target = scope();
    const requestsOf = async (release: string, cache: TargetCache): Promise<number> => {
      let sent = 0;
      const stop = observeRequests(() => sent++);
      try {
        const plan = unit({ message: "hello" }, { release });
        const seen = await plugin.observe(plan, { ...target, cache });
        expect(seen.exists).toBe(false);
        await plugin.create(plan, { ...target, cache });
      } finally {
        stop();
      }
      expect(await latestRelease(mcp(), ns, release)).toMatchObject({ revision: 1, status: "deployed" });
      return sent;
    };
    // Without the watch's word the plugin reads the release before installing it.
    expect(await requestsOf("unknown", NOTHING_KNOWN)).toBeGreaterThan(0);
    // With it, spe itself sends nothing: the install is the helm worker's alone.
    expect(await requestsOf("absent", absent)).toBe(0);
    for (const release of ["unknown", "absent"]) await plugin.delete(unit({}, { release }), scope());
  });

  it("compares live objects with what helm applied, YAML 1.1 scalars read as helm reads them, after a restart too", async () => {
    // 0644 is 420 and `yes` is true to helm (Go's YAML 1.1 reader); read as YAML 1.2 they
    // would be 644 (an invalid mode) and "yes". Empty and comment-only documents are no objects.
    const chart = join(baseDir, "yaml-1-1");
    await mkdir(join(chart, "templates"), { recursive: true });
    await writeFile(join(chart, "Chart.yaml"), "apiVersion: v2\nname: yaml-1-1\nversion: 1.0.0\n");
    await writeFile(
      join(chart, "templates", "all.yaml"),
      [
        "# only a comment in this document",
        "---",
        "{{- if .Values.never }}",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: { name: never }",
        "{{- end }}",
        "---",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata: { name: files }",
        "data: { a.txt: hello }",
        "---",
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata: { name: yaml11 }",
        "spec:",
        "  selector: { matchLabels: { app: yaml11 } }",
        "  template:",
        "    metadata: { labels: { app: yaml11 } }",
        "    spec:",
        "      automountServiceAccountToken: yes",
        "      containers: [{ name: c, image: registry.k8s.io/pause:3.9 }]",
        "      volumes:",
        "        - name: files",
        "          configMap: { name: files, defaultMode: 0644 }",
        "",
      ].join("\n"),
    );
    const plan = unit({}, { chart: "yaml-1-1", release: "yaml11" });
    const templated = await plugin.deployedObjects(plan, scope());
    await plugin.create(plan, scope());
    const answered = await plugin.deployedObjects(plan, scope());
    const restarted = new HelmPlugin({ path: testEnv().binaries["spe-helm-worker"] });
    const stored = await restarted.deployedObjects(plan, scope());
    expect(answered.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "ConfigMap/files",
      "Deployment/yaml11",
    ]);
    expect(stored).toEqual(answered);
    expect(templated).toEqual(answered);
    const pod = (answered[1]!.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(pod.volumes).toEqual([{ name: "files", configMap: { name: "files", defaultMode: 420 } }]);
    for (const p of [plugin, restarted]) {
      const seen = await p.observe(plan, { ...scope(), cache: NOTHING_KNOWN });
      expect(seen.drift).toEqual([]);
      expect(seen.upToDate).toBe(true);
    }
    await plugin.delete(plan, scope());
  });

  it("observes a release in steady state without running any helm operation", async () => {
    const plan = unit({ message: "hello" });
    const fresh = new HelmPlugin({ path: testEnv().binaries["spe-helm-worker"] });
    const before = helmOperationCount();
    for (let i = 0; i < 3; i++) expect((await fresh.observe(plan, scope())).upToDate).toBe(true);
    expect(await plugin.deployedObjects(plan, scope())).toHaveLength(3);
    expect(helmOperationCount()).toBe(before);
  });

  it("reports out-of-band edits with field path and manager; update takes them back", async () => {
    const plan = unit({ message: "hello" });
    await patchAs("oob-editor", deploymentRef, {
      spec: { replicas: 3, template: { spec: { containers: [{ name: "server", image: "evil:6" }] } } },
    });
    await mcp().delete(configRef);
    const seen = await plugin.observe(plan, scope());
    expect(seen.upToDate).toBe(false);
    expect(seen.drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: ".spec.replicas",
          reason: "changed",
          manager: "oob-editor",
          live: 3,
          desired: 1,
        }),
        expect.objectContaining({
          field: ".spec.template.spec.containers[name=server].image",
          reason: "changed",
          manager: "oob-editor",
        }),
        expect.objectContaining({
          object: { apiVersion: "v1", kind: "ConfigMap", name: "demo-config", namespace: ns },
          reason: "missing",
        }),
      ]),
    );
    await plugin.update(plan, scope());
    const live = await mcp().get(deploymentRef);
    expect((live?.spec as { replicas: number }).replicas).toBe(1);
    expect(await mcp().get(configRef)).toBeDefined();
    const after = await plugin.observe(plan, scope());
    expect(after).toMatchObject({ upToDate: true, drift: [] });
  });

  it("a values change or a new chart version makes the unit out of date; update upgrades", async () => {
    const changed = unit({ message: "changed" });
    expect((await plugin.observe(changed, scope())).upToDate).toBe(false);
    await plugin.update(changed, scope());
    expect((await mcp().get(configRef))?.data).toEqual({ message: "changed" });
    expect((await plugin.observe(changed, scope())).upToDate).toBe(true);

    const chartYaml = join(baseDir, "demo-service", "Chart.yaml");
    await writeFile(
      chartYaml,
      (await readFile(chartYaml, "utf8")).replace("version: 1.0.0", "version: 1.1.0"),
    );
    // The chart's files are looked at again at most once a second.
    await expect
      .poll(async () => (await plugin.observe(changed, scope())).upToDate, { timeout: 5_000, interval: 250 })
      .toBe(false);
    await plugin.update(changed, scope());
    const seen = await plugin.observe(changed, scope());
    expect(seen.upToDate).toBe(true);
    expect(seen.outputs.release).toMatchObject({ chartVersion: "1.1.0" });
  });

  it("a chart that fails to install gives InstallFailed with helm's stderr and leaves no release", async () => {
    const plan = unit({}, { chart: "broken-chart", release: "broken" });
    const err: unknown = await plugin.create(plan, scope()).catch((e: unknown) => e);
    expect(isHelmError(err, "InstallFailed")).toBe(true);
    expect(isHelmError(err) && err.detail).toMatch(/INVALID_NAME|invalid/i);
    expect(await latestRelease(mcp(), ns, "broken")).toBeUndefined();
  });

  it("a failed upgrade gives UpgradeFailed and rolls back to the last good revision", async () => {
    const good = unit({ message: "good" }, { release: "flaky" });
    await plugin.create(good, scope());
    const bad = unit({}, { chart: "broken-chart", release: "flaky" });
    const err: unknown = await plugin.update(bad, scope()).catch((e: unknown) => e);
    expect(isHelmError(err, "UpgradeFailed")).toBe(true);
    const release = await latestRelease(mcp(), ns, "flaky");
    expect(release).toMatchObject({ status: "deployed", chartName: "demo-service", revision: 3 });
    expect((await plugin.observe(good, scope())).exists).toBe(true);
    expect((await plugin.observe(bad, scope())).upToDate).toBe(false);
    await plugin.delete(good, scope());
  });

  it("a missing chart is ChartNotFound", async () => {
    const err: unknown = await plugin
      .create(unit({}, { chart: "no-such-chart", release: "none" }), scope())
      .catch((e: unknown) => e);
    expect(isHelmError(err, "ChartNotFound")).toBe(true);
  });

  it("a chart version the repository does not have is ChartVersionNotFound (the worker's code), not InstallFailed", async () => {
    const repo = await serveChartRepo([join(fixtures, "demo-service")]);
    try {
      const plan = unit({}, { release: "no-version" });
      plan.helm.chart = { repo: repo.url, name: "demo-service", version: "9.9.9" };
      const err: unknown = await plugin.create(plan, scope()).catch((e: unknown) => e);
      expect(isHelmError(err, "ChartVersionNotFound")).toBe(true);
      expect(isHelmError(err) && err.detail).toMatch(/9\.9\.9/);
      expect(await latestRelease(mcp(), ns, "no-version")).toBeUndefined();
    } finally {
      await repo.close();
    }
  });

  it("recovers a release left in pending-install by a killed helm process", async () => {
    // On the platform cluster no controller runs, so `helm install --wait` waits forever,
    // with the release stored as pending-install; then the process is SIGKILLed.
    const target = scope("platform");
    const plan = unit({ message: "stuck" }, { release: "stuck" });
    const platform = KubeClient.for(target.kubeconfig);
    const child = execa(
      testEnv().binaries.helm,
      [
        "install",
        "stuck",
        join(baseDir, "demo-service"),
        "--namespace",
        ns,
        "--create-namespace",
        "--wait",
        "--timeout",
        "10m",
      ],
      { env: { KUBECONFIG: testEnv().clusters.platform.kubeconfigPath }, reject: false },
    );
    await expect
      .poll(async () => (await latestRelease(platform, ns, "stuck"))?.status, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe("pending-install");
    child.kill("SIGKILL");
    await child;
    expect((await latestRelease(platform, ns, "stuck"))?.status).toBe("pending-install");
    expect((await plugin.observe(plan, target)).upToDate).toBe(false);
    await plugin.update(plan, target);
    expect(await latestRelease(platform, ns, "stuck")).toMatchObject({ status: "deployed" });
    expect((await plugin.observe(plan, target)).upToDate).toBe(true);
    await plugin.delete(plan, target);
  });

  it("does not take a release left uninstalling for gone: delete finishes the uninstall", async () => {
    const plan = unit({ message: "halfway" }, { release: "halfway" });
    await plugin.create(plan, scope());
    const release = await latestRelease(mcp(), ns, "halfway");
    expect(release?.status).toBe("deployed");
    // What an uninstall killed half-way leaves: the stored release says uninstalling, objects remain.
    const secretRef = { apiVersion: "v1", kind: "Secret", namespace: ns, name: release!.secretName };
    const secret = await mcp().get(secretRef);
    const stored = decodeRelease((secret!.data as Record<string, string>).release!);
    stored.info = { ...stored.info, status: "uninstalling" };
    await mcp().send({
      method: "PATCH",
      path: await mcp().path(secretRef),
      body: { metadata: { labels: { status: "uninstalling" } }, data: { release: encodeRelease(stored) } },
      contentType: "application/merge-patch+json",
    });
    const halfwayDeployment = { ...deploymentRef, name: "halfway" };
    expect(await mcp().get(halfwayDeployment)).toBeDefined();
    expect((await plugin.observe(plan, scope())).exists).toBe(true);

    await plugin.delete(plan, scope());
    expect(await latestRelease(mcp(), ns, "halfway")).toBeUndefined();
    expect(await mcp().get(halfwayDeployment)).toBeUndefined();
    expect((await plugin.observe(plan, scope())).exists).toBe(false);
  });

  it("delete uninstalls the release and its objects", async () => {
    const plan = unit({ message: "changed" });
    await plugin.delete(plan, scope());
    expect(await latestRelease(mcp(), ns, "demo")).toBeUndefined();
    expect(await mcp().get(deploymentRef)).toBeUndefined();
    expect((await plugin.observe(plan, scope())).exists).toBe(false);
    const before = helmOperationCount();
    await plugin.delete(plan, scope());
    expect(helmOperationCount()).toBe(before);
  });
});
