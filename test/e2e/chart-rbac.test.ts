/**
 * The chart's RBAC is enough, and no more: the real `spe run` process runs
 * with the token of the chart's ServiceAccount and the arguments of the
 * rendered Deployment against the platform cluster (which is also the
 * onboarding cluster, the chart's default). It serves a descriptor from a
 * chart-rendered ConfigMap, deploys onto mcp with a kubeconfig Secret from a
 * tenant namespace, holds the Lease, and cleans up on delete — without a single
 * forbidden request. The apiserver's authorizer confirms what it may not do.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { execa, type ResultPromise } from "execa";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { crdNamesOf, smallDescriptor } from "../fixtures/small-descriptor.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";
import { serviceAccountToken } from "./support/tokens.js";

const id = Date.now().toString(36);
const NAME = `crbac${id}`;
const GROUP = `${NAME}.tests.spe.dev`;
const KIND = `Crbac${id}`;
const NS = `spe-rbac-${id}`;
const TENANT = `spe-rbac-tenant-${id}`;
const OTHER = `spe-rbac-other-${id}`;
const MCP = "mcp-a";
const TEXT = smallDescriptor({ name: NAME, kind: KIND, kubeconfigTarget: true });
const CRDS = crdNamesOf(TEXT);
const repoRoot = resolve(import.meta.dirname, "../..");
const SERVICE_ACCOUNT = "spe";

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; finalizers?: string[] };
  spec?: object;
}

let dir: string;
let platform: KubeConfig;
let rendered: KubeObject[] = [];
let child: ResultPromise<{ reject: false; all: true }> | undefined;
const lines: string[] = [];

const apiObject: Obj = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: KIND,
  metadata: { name: MCP, namespace: TENANT },
  spec: { message: "least privilege" },
};
const note = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "note", namespace: `${NAME}-system` } };

async function renderChart(): Promise<KubeObject[]> {
  const file = join(dir, "descriptor.yaml");
  await writeFile(file, TEXT);
  const { stdout } = await execa(testEnv().binaries.helm, [
    "template",
    "spe",
    join(repoRoot, "charts/spe"),
    "--namespace",
    NS,
    "--set",
    "replicas=2",
    "--set",
    `rbac.tenantNamespaces={${TENANT}}`,
    "--set-file",
    `descriptors.${NAME}=${file}`,
  ]);
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

/** A kubeconfig file for the platform cluster that authenticates as the chart's ServiceAccount. */
async function serviceAccountKubeconfig(): Promise<string> {
  const admin = KubeClient.for(platform);
  const review = (await admin.send({
    method: "POST",
    path: `/api/v1/namespaces/${NS}/serviceaccounts/${SERVICE_ACCOUNT}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  })) as { status: { token: string } };
  const cluster = platform.getCurrentCluster()!;
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: "platform",
        cluster: { server: cluster.server, "certificate-authority-data": cluster.caData ?? "" },
      },
    ],
    users: [{ name: SERVICE_ACCOUNT, user: { token: review.status.token } }],
    contexts: [{ name: "spe", context: { cluster: "platform", user: SERVICE_ACCOUNT } }],
    "current-context": "spe",
  };
  const file = join(dir, "spe.kubeconfig");
  await writeFile(file, JSON.stringify(kubeconfig));
  return file;
}

/** The rendered Deployment's container arguments. */
function deploymentArgs(): string[] {
  const deployment = rendered.find((o) => o.kind === "Deployment") as
    (KubeObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } }) | undefined;
  return deployment!.spec.template.spec.containers[0]!.args;
}

/**
 * The Deployment's arguments for a process on this host: free ports, and the secure metrics
 * server's certificate from the chart's rendered Secret in a directory of the test's.
 */
async function localArgs(): Promise<string[]> {
  const tls = rendered.find((o) => o.kind === "Secret" && o.metadata.name === "spe-metrics-tls") as
    (KubeObject & { data: Record<string, string> }) | undefined;
  const certDir = join(dir, "metrics-tls");
  await mkdir(certDir);
  for (const file of ["tls.crt", "tls.key"])
    await writeFile(join(certDir, file), Buffer.from(tls!.data[file]!, "base64"));
  const local: Record<string, string> = {
    "--ops-port": "0",
    "--health-addr": "127.0.0.1:0",
    "--metrics-addr": "127.0.0.1:0",
    "--metrics-cert-dir": certDir,
  };
  return deploymentArgs().map((a) => {
    const flag = a.slice(0, a.indexOf("="));
    return flag in local ? `${flag}=${local[flag]}` : a;
  });
}

/** GET /metrics of the secure metrics server with a bearer token (its certificate is self-signed). */
function scrape(port: number, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet(
      {
        host: "127.0.0.1",
        port,
        path: "/metrics",
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    ).on("error", reject);
  });
}

/** Asks the apiserver's authorizer whether the ServiceAccount may do something. */
async function allowed(attributes: Record<string, string>): Promise<boolean> {
  const review = (await KubeClient.for(platform).send({
    method: "POST",
    path: "/apis/authorization.k8s.io/v1/subjectaccessreviews",
    body: {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: { user: `system:serviceaccount:${NS}:${SERVICE_ACCOUNT}`, resourceAttributes: attributes },
    },
  })) as { status: { allowed: boolean } };
  return review.status.allowed;
}

beforeAll(async () => {
  platform = kubeConfigFor("platform");
  dir = await mkdtemp(join(tmpdir(), "spe-chart-rbac-"));
  for (const name of [NS, TENANT, OTHER]) {
    await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
  rendered = await renderChart();
  // Everything but the workload objects, for real: the ServiceAccount, the RBAC, the descriptor ConfigMap.
  const client = KubeClient.for(platform);
  for (const obj of rendered.filter(
    (o) => !["Deployment", "Service", "PodDisruptionBudget"].includes(o.kind),
  )) {
    await client.apply(obj, { manager: "spe-chart-test", force: true });
  }
  const kubeconfig = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${MCP}-kubeconfig`, namespace: TENANT },
    stringData: { kubeconfig },
  });
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
  const client = KubeClient.for(platform);
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  for (const name of [CRDS.api, CRDS.config]) await client.delete({ ...crd, name });
  for (const obj of rendered.filter((o) => o.kind.startsWith("Cluster"))) {
    await client.delete({ apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name });
  }
  for (const name of [NS, TENANT, OTHER]) await client.delete({ apiVersion: "v1", kind: "Namespace", name });
  await KubeClient.for(kubeConfigFor("mcp")).delete({
    apiVersion: "v1",
    kind: "Namespace",
    name: `${NAME}-system`,
  });
});

describe("the chart's RBAC", () => {
  it("is enough for spe run: serve a descriptor ConfigMap, deploy, hold the Lease, clean up — nothing forbidden", async () => {
    const args = [
      ...(await localArgs()),
      `--platform-kubeconfig=${await serviceAccountKubeconfig()}`,
      `--helm-worker=${testEnv().binaries["spe-helm-worker"]}`,
    ];
    expect(args).toEqual(
      expect.arrayContaining(["run", `--descriptor-namespace=${NS}`, "--leader-elect=true"]),
    );
    child = execa(join(repoRoot, "node_modules/.bin/tsx"), ["src/cli/main.ts", ...args], {
      cwd: repoRoot,
      reject: false,
      all: true,
      env: { SPE_HELM_WORKER: "", KUBERNETES_SERVICE_HOST: "" },
    });
    child.all.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));

    // The descriptor from the chart's ConfigMap is served: its CRDs are installed and the ConfigMap says so.
    const cm: Obj = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `spe-descriptor-${NAME}`, namespace: NS },
    };
    await eventually("descriptor ConfigMap annotated Serving", async () => {
      const live = await read(platform, cm);
      return live?.metadata.annotations?.["spe.dev/status"] === "Serving" ? true : undefined;
    });
    await apply(platform, {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: "ProviderConfig",
      metadata: { name: NAME },
      spec: { note: "rbac" },
    });
    await apply(platform, apiObject);

    const mcp = kubeConfigFor("mcp");
    await eventually("the note on mcp", async () => {
      const live = (await read(mcp, note)) as { data?: Record<string, string> } | undefined;
      return live?.data?.message === "least privilege" ? live : undefined;
    });
    const ready = await eventually("the API object Ready", async () => {
      const live = await read(platform, apiObject);
      return hasCondition(live, "Ready") ? live : undefined;
    });
    expect(ready.metadata.finalizers).toContain(`${GROUP}/finalizer`);
    const lease = (await KubeClient.for(platform).get({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      name: "spe-leader",
      namespace: NS,
    })) as { spec?: { holderIdentity?: string } } | undefined;
    expect(lease?.spec?.holderIdentity).toBeTruthy();

    // Secure metrics work with the chart's RBAC (TokenReview, SubjectAccessReview): a scraper
    // bound to the chart's metrics-reader ClusterRole reads them.
    const reader = await serviceAccountToken("platform", NS, "prometheus", {
      clusterRole: `${NS}-spe-metrics-reader`,
    });
    const running = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { msg?: string; ops?: number[] }];
      } catch {
        return [];
      }
    });
    const ops = running.find((l) => l.msg === "spe running")?.ops;
    const metrics = await scrape(ops![1]!, reader);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain("# HELP");

    await KubeClient.for(platform).delete({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: KIND,
      name: MCP,
      namespace: TENANT,
    });
    await eventually("the API object gone", async () =>
      (await read(platform, apiObject)) ? undefined : true,
    );
    await eventually("the note gone from mcp", async () => ((await read(mcp, note)) ? undefined : true));

    child.kill("SIGTERM");
    const result = await child;
    expect(result.exitCode, result.all).toBe(0);
    expect(lines.filter((l) => /forbidden/i.test(l))).toEqual([]);
  });

  it("allows no more: no Secrets outside the tenant namespaces, no CRD deletes, no writes to configs", async () => {
    expect(await allowed({ verb: "get", resource: "secrets", namespace: TENANT })).toBe(true);
    expect(await allowed({ verb: "list", resource: "secrets", namespace: OTHER })).toBe(false);
    expect(await allowed({ verb: "get", resource: "secrets", namespace: "kube-system" })).toBe(false);
    expect(await allowed({ verb: "get", resource: "secrets", namespace: NS })).toBe(false);
    expect(await allowed({ verb: "create", resource: "secrets", namespace: TENANT })).toBe(false);
    const crds = { group: "apiextensions.k8s.io", resource: "customresourcedefinitions" };
    expect(await allowed({ ...crds, verb: "delete" })).toBe(false);
    expect(await allowed({ ...crds, verb: "update" })).toBe(false);
    expect(await allowed({ group: GROUP, resource: "providerconfigs", verb: "delete" })).toBe(false);
    expect(await allowed({ group: GROUP, resource: "providerconfigs", verb: "create" })).toBe(false);
    expect(await allowed({ group: "apps", resource: "deployments", verb: "create", namespace: TENANT })).toBe(
      false,
    );
    expect(await allowed({ verb: "update", resource: "configmaps", namespace: NS })).toBe(false);
    expect(
      await allowed({
        group: "coordination.k8s.io",
        resource: "leases",
        verb: "update",
        namespace: NS,
        name: "other",
      }),
    ).toBe(false);
  });
});
