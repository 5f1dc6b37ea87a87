/**
 * providers/landscaper as bundled, on the real clusters, with upstream's split: the Landscaper
 * CRDs and the components' ServiceAccounts on the MCP, the controller, webhooks server, helm
 * and manifest deployer on a workload cluster (each reached through its openMCP
 * AccessRequest, granted here). The charts are the stand-ins in test/fixtures/charts/landscaper
 * (shaped like Landscaper's), read from disk instead of `oci://<repository>/charts/…`: the
 * ProviderConfig names no chart credentials. The config is the one labelled default (another
 * one is not), recorded in the status; each component runs its image at the requested version
 * with its pull Secrets (copied from openmcp-system) and reaches the MCP through a kubeconfig
 * holding a token of the controller's ServiceAccount there; drift on both clusters is corrected; an
 * upgrade to another offered version moves every image; a tenant's Installation on the MCP
 * blocks deletion; then everything goes on both clusters.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import type { Provider } from "../../src/engine/descriptors/provider.js";
import { loadDescriptors, nameHash, safeCompileDescriptor } from "../../src/descriptor/index.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, repoRoot, startEngine } from "./support/engine.js";
import { apply, eventually, read } from "./support/kube.js";
import { ACCESS_REQUEST_CRD } from "../fixtures/crds/accessrequest.js";

const id = Date.now().toString(36);
const NS = `spe-ls-${id}`;
const NAME = "mcp-l";
const GROUP = "landscaper.services.open-control-plane.io";
const SOURCES = "openmcp-system";
const WL_NS = `ls-${nameHash([NS, NAME])}`;
const LS_NS = "landscaper-system";
const CONTROLLER_PULL = `ls-${id}-controller-pull`;
const DEPLOYER_PULL = `ls-${id}-deployer-pull`;
const DEFAULT_CONFIG = `ls-${id}-default`;
const OTHER_CONFIG = `ls-${id}-other`;
const REPO = "registry.invalid/landscaper";
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const landscaper = {
  apiVersion: `${GROUP}/v1alpha2`,
  kind: "Landscaper",
  metadata: { name: NAME, namespace: NS },
  spec: { version: "v0.142.0" },
};
const apiRef = { apiVersion: landscaper.apiVersion, kind: landscaper.kind, name: NAME, namespace: NS };
const installation = {
  apiVersion: "landscaper.gardener.cloud/v1alpha1",
  kind: "Installation",
  name: "tenant-app",
  namespace: "default",
};
/** Each component's Deployment on the workload cluster and the image repository the config gives it. */
const COMPONENTS: Record<string, string> = {
  "landscaper-controller": `${REPO}/landscaper-controller`,
  "landscaper-webhooks": `${REPO}/landscaper-webhooks-server`,
  "helm-deployer": `${REPO}/helm-deployer-controller`,
  "manifest-deployer": `${REPO}/manifest-deployer-controller`,
};

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Status {
  phase?: string;
  conditions?: Condition[];
  providerConfigRef?: { name?: string };
  resources?: { kind: string; name: string; location?: string }[];
}
interface PodSpec {
  containers?: { image?: string }[];
  imagePullSecrets?: { name: string }[];
  volumes?: { secret?: { secretName?: string } }[];
}

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let workload: KubeConfig;

/** providers/landscaper with each chart read from test/fixtures/charts/landscaper (see above). */
async function landscaperProvider(): Promise<Provider> {
  const path = `${repoRoot}/providers/landscaper/descriptor.yaml`;
  const descriptor = (await loadDescriptors([path])).descriptors[0]!;
  const charts = `${repoRoot}/test/fixtures/charts/landscaper`;
  for (const unit of descriptor.spec.deploy)
    if (unit.helm) unit.helm.chart = { path: `${charts}/${unit.helm.releaseName ?? unit.name}` };
  const compiled = safeCompileDescriptor(descriptor);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  return { compiled: compiled.value, baseDir: `${repoRoot}/providers/landscaper`, source: path };
}

function config(name: string, labelled: boolean, image: (component: string) => string): object {
  return {
    apiVersion: `${GROUP}/v1alpha2`,
    kind: "ProviderConfig",
    metadata: {
      name,
      labels: labelled ? { "landscaper.services.openmcp.cloud/providertype": "default" } : {},
    },
    spec: {
      deployment: {
        repository: REPO,
        availableVersions: ["v0.142.0", "v0.141.0"],
        landscaperController: {
          image: image("landscaper-controller"),
          imagePullSecrets: [{ name: CONTROLLER_PULL }],
        },
        landscaperWebhooksServer: {
          image: image("landscaper-webhooks-server"),
          imagePullSecrets: [{ name: CONTROLLER_PULL }],
        },
        helmDeployer: {
          image: image("helm-deployer-controller"),
          imagePullSecrets: [{ name: DEPLOYER_PULL }],
        },
        manifestDeployer: {
          image: image("manifest-deployer-controller"),
          imagePullSecrets: [{ name: DEPLOYER_PULL }],
        },
      },
    },
  };
}

/** openMCP access: an AccessRequest per target (`<name>` for the MCP, `<name>--workload`), granted. */
async function grantAccess(request: string, target: "mcp" | "workload"): Promise<void> {
  const client = KubeClient.for(platform);
  await grantTarget(NS, `${request}-access`, target);
  const obj = {
    apiVersion: "clusters.openmcp.cloud/v1alpha1",
    kind: "AccessRequest",
    metadata: { name: request, namespace: NS },
    spec: { clusterRef: { name: NAME } },
  };
  await eventually("AccessRequest created", () => apply(platform, obj));
  await client.send({
    method: "PATCH",
    path: `${await client.path({ ...obj, name: request, namespace: NS })}/status`,
    body: { status: { phase: "Granted", secretRef: { name: `${request}-access`, namespace: NS } } },
    contentType: "application/merge-patch+json",
  });
}

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, landscaper)) as { status?: Status } | undefined)?.status;
}

async function ready(what: string, check: (s: Status) => boolean = () => true): Promise<Status> {
  return eventually(
    what,
    async () => {
      const s = await status();
      if (s?.phase === "Ready" && check(s)) return s;
      throw new Error(JSON.stringify(s?.conditions?.filter((c) => c.status !== "True") ?? null));
    },
    90_000,
  );
}

async function podSpec(deployment: string): Promise<PodSpec | undefined> {
  const d = await KubeClient.for(workload).get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: deployment,
    namespace: WL_NS,
  });
  return (d?.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
}

async function images(): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const name of Object.keys(COMPONENTS)) out[name] = (await podSpec(name))?.containers?.[0]?.image;
  return out;
}

function expected(version: string): Record<string, string> {
  return Object.fromEntries(Object.entries(COMPONENTS).map(([name, repo]) => [name, `${repo}:${version}`]));
}

const sa = (name: string): { apiVersion: string; kind: string; name: string; namespace: string } => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  name,
  namespace: LS_NS,
});

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  workload = kubeConfigFor("workload");
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: SOURCES } });
  for (const name of [CONTROLLER_PULL, DEPLOYER_PULL])
    await apply(platform, {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/dockerconfigjson",
      metadata: { name, namespace: SOURCES },
      stringData: {
        ".dockerconfigjson": JSON.stringify({ auths: { "registry.invalid": { auth: "bHM6cHVsbA==" } } }),
      },
    } as { apiVersion: string; kind: string });
  engine = await startEngine([await landscaperProvider()]);
  await KubeClient.for(platform).apply(ACCESS_REQUEST_CRD, { manager: "spe-tests" });
  await grantAccess(NAME, "mcp");
  await grantAccess(`${NAME}--workload`, "workload");
  await apply(
    platform,
    config(DEFAULT_CONFIG, true, (c) => `${REPO}/${c}`),
  );
  await apply(
    platform,
    config(OTHER_CONFIG, false, (c) => `registry.invalid/other/${c}`),
  );
}, 60_000);

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  await KubeClient.for(mcp).delete(installation);
  await client.delete(apiRef);
  const gone = await eventually(
    "Landscaper object gone",
    async () => ((await read(onboarding, landscaper)) ? undefined : true),
    30_000,
  ).catch(() => false);
  if (!gone)
    await client.send({
      method: "PATCH",
      path: await client.path(apiRef),
      body: { metadata: { finalizers: null } },
      contentType: "application/merge-patch+json",
    });
  await engine.stop();
  const p = KubeClient.for(platform);
  for (const name of [DEFAULT_CONFIG, OTHER_CONFIG])
    await p.delete({ apiVersion: `${GROUP}/v1alpha2`, kind: "ProviderConfig", name });
  for (const name of [CONTROLLER_PULL, DEPLOYER_PULL])
    await p.delete({ apiVersion: "v1", kind: "Secret", name, namespace: SOURCES });
  await client.delete({ ...crd, name: `landscapers.${GROUP}` });
  await p.delete({ ...crd, name: `providerconfigs.${GROUP}` });
  for (const kc of [onboarding, platform])
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("providers/landscaper on the MCP and a workload cluster", () => {
  it("chooses the config labelled default and records it in the status", async () => {
    await apply(onboarding, landscaper);
    const s = await ready("Landscaper Ready");
    expect(s.providerConfigRef?.name).toBe(DEFAULT_CONFIG);
    const located = (s.resources ?? []).map((r) => `${r.location ?? "?"}: ${r.kind} ${r.name}`);
    expect(located).toContain("mcp: ServiceAccount landscaper-controller");
    expect(located).toContain("workload: Deployment landscaper-controller");
  });

  it("puts the CRDs and the components' ServiceAccounts on the MCP", async () => {
    for (const name of ["installations", "executions", "deployitems", "targets", "contexts", "dataobjects"])
      expect(
        await KubeClient.for(mcp).get({ ...crd, name: `${name}.landscaper.gardener.cloud` }),
      ).toBeDefined();
    for (const name of ["landscaper-controller", "landscaper-webhooks", "landscaper-user"])
      expect(await KubeClient.for(mcp).get(sa(name))).toBeDefined();
    // Not on the workload cluster.
    expect(
      await KubeClient.for(workload).get({ ...crd, name: "installations.landscaper.gardener.cloud" }),
    ).toBeUndefined();
  });

  it("runs each component on the workload cluster with its image at the version and its pull Secrets", async () => {
    expect(await images()).toEqual(expected("v0.142.0"));
    expect((await podSpec("landscaper-controller"))?.imagePullSecrets).toEqual([{ name: CONTROLLER_PULL }]);
    expect((await podSpec("helm-deployer"))?.imagePullSecrets).toEqual([{ name: DEPLOYER_PULL }]);
    expect((await podSpec("manifest-deployer"))?.volumes?.[0]?.secret?.secretName).toBe(
      "landscaper-mcp-kubeconfig",
    );
    const copies = (
      await KubeClient.for(workload).list("v1", "Secret", {
        namespace: WL_NS,
        labelSelector: "app.kubernetes.io/managed-by=spe",
      })
    ).filter((c) => c.metadata.annotations?.["spe.dev/copied-from"]);
    expect(copies.map((c) => c.metadata.name).sort()).toEqual([CONTROLLER_PULL, DEPLOYER_PULL].sort());
    for (const c of copies) expect(c.type).toBe("kubernetes.io/dockerconfigjson");
  });

  it("hands the components a kubeconfig for the controller's ServiceAccount on the MCP", async () => {
    const secret = await KubeClient.for(workload).get({
      apiVersion: "v1",
      kind: "Secret",
      name: "landscaper-mcp-kubeconfig",
      namespace: WL_NS,
    });
    const data = (secret?.data ?? {}) as Record<string, string>;
    const kubeconfig = Buffer.from(data.kubeconfig ?? "", "base64").toString("utf8");
    expect(kubeconfig).toContain(testEnv().clusters.mcp.server);
    // The token is the MCP's, for landscaper-system/landscaper-controller.
    const token = Buffer.from(data.token ?? "", "base64").toString("utf8");
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as {
      sub?: string;
    };
    expect(claims.sub).toBe("system:serviceaccount:landscaper-system:landscaper-controller");
  });

  it("corrects drift on the workload cluster and on the MCP", async () => {
    await KubeClient.for(mcp).apply(
      {
        apiVersion: installation.apiVersion,
        kind: installation.kind,
        metadata: { name: installation.name, namespace: installation.namespace },
        spec: { blueprint: { ref: "tenant" } },
      },
      { manager: "tenant" },
    );
    const client = KubeClient.for(workload);
    const controller = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "landscaper-controller",
      namespace: WL_NS,
    };
    await client.send({
      method: "PATCH",
      path: `${await client.path(controller)}?fieldManager=kubectl-scale`,
      body: { spec: { replicas: 3 } },
      contentType: "application/merge-patch+json",
    });
    await eventually("the controller scaled back on the workload cluster", async () => {
      const d = await client.get(controller);
      return (d?.spec as { replicas?: number } | undefined)?.replicas === 1 ? true : undefined;
    });
    const before = await KubeClient.for(mcp).get(sa("landscaper-controller"));
    await KubeClient.for(mcp).delete(sa("landscaper-controller"));
    await eventually("the controller's ServiceAccount re-created on the MCP", async () => {
      const now = await KubeClient.for(mcp).get(sa("landscaper-controller"));
      return now && now.metadata.uid !== before?.metadata.uid ? true : undefined;
    });
    await ready("Landscaper Ready again");
  });

  it("upgrades every component to another offered version", async () => {
    await apply(onboarding, { ...landscaper, spec: { version: "v0.141.0" } });
    await eventually("every image at v0.141.0", async () =>
      JSON.stringify(await images()) === JSON.stringify(expected("v0.141.0")) ? true : undefined,
    );
    const s = await ready("Landscaper Ready at v0.141.0");
    expect(s.providerConfigRef?.name).toBe(DEFAULT_CONFIG);
  });

  it(
    "waits while a tenant's Installation exists, then removes everything on both clusters",
    { timeout: 150_000 },
    async () => {
      await KubeClient.for(onboarding).delete(apiRef);
      const blocked = await eventually(
        "DeletionBlocked naming the Installation",
        async () => {
          const c = (await status())?.conditions?.find((x) => x.type === "DeletionBlocked");
          return c?.status === "True" ? c : undefined;
        },
        60_000,
      );
      expect(blocked.reason).toBe("UserResourcesPresent");
      expect(blocked.message).toContain("Installation.landscaper.gardener.cloud (default/tenant-app)");
      expect(await podSpec("landscaper-controller")).toBeDefined();
      await KubeClient.for(mcp).delete(installation);
      await eventually(
        "Landscaper object gone",
        async () => ((await read(onboarding, landscaper)) ? undefined : true),
        90_000,
      );
      for (const name of Object.keys(COMPONENTS)) expect(await podSpec(name)).toBeUndefined();
      expect(
        await KubeClient.for(workload).get({ apiVersion: "v1", kind: "Namespace", name: WL_NS }),
      ).toBeUndefined();
      expect(await KubeClient.for(mcp).get(sa("landscaper-controller"))).toBeUndefined();
      await eventually("the Landscaper CRDs gone from the MCP", async () =>
        (await KubeClient.for(mcp).get({ ...crd, name: "installations.landscaper.gardener.cloud" }))
          ? undefined
          : true,
      );
    },
  );
});
