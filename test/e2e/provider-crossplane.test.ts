/**
 * providers/crossplane as bundled, on the real clusters: the fixture crossplane chart (shaped
 * like the real one: image.repository/tag, imagePullSecrets as names, registryCaBundleConfig)
 * pushed into the run's registry, which wants credentials and whose certificate comes from
 * the run's CA. The ProviderConfig names the chart by `chart.url` with its pull Secret, the
 * Crossplane image by `image.url` with its pull Secret, the CA by `caBundleRef`, and package
 * pull Secrets shared by providers and functions; all of them live in openmcp-system on the
 * platform. Target access through an openMCP AccessRequest. The object becomes Ready with
 * Crossplane running the offered image; the image and package pull Secrets and the CA are
 * copied to crossplane-system on the MCP (each once; the chart's credentials are not); the
 * packages carry `<package>:<version>` and the pull Secrets; drift on a copy and on Crossplane
 * is corrected; an upgrade to another offered version brings its chart and image; a tenant's
 * own Provider blocks deletion; then everything goes, copies and CRDs included.
 */
import { readFile } from "node:fs/promises";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, repoRoot, startEngine } from "./support/engine.js";
import { pushChart, registryOf } from "./support/chart-push.js";
import { apply, eventually, read } from "./support/kube.js";
import { ACCESS_REQUEST_CRD } from "../fixtures/crds/accessrequest.js";

const id = Date.now().toString(36);
const NS = `spe-xp-${id}`;
const NAME = "mcp-x";
const GROUP = "crossplane.services.open-control-plane.io";
const SOURCES = "openmcp-system";
const XP_NS = "crossplane-system";
const CHART_PULL = `xp-${id}-chart-pull`;
const IMAGE_PULL = `xp-${id}-image-pull`;
const XPKG_PULL = `xp-${id}-xpkg-pull`;
const CA = `xp-${id}-registry-ca`;
const IMAGE = "registry.invalid/openmcp/crossplane:v1.20.0-openmcp.1";
const IMAGE_NEXT = "registry.invalid/openmcp/crossplane:v1.21.0-openmcp.1";
const crossplane = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Crossplane",
  metadata: { name: NAME, namespace: NS },
  spec: {
    version: "v1.20.0",
    providers: [{ name: "provider-kubernetes", version: "v0.15.0" }],
    functions: [{ name: "function-patch-and-transform", version: "v0.7.0" }],
  },
};
const apiRef = { apiVersion: crossplane.apiVersion, kind: crossplane.kind, name: NAME, namespace: NS };
const configRef = { apiVersion: `${GROUP}/v1alpha1`, kind: "ProviderConfig", name: "crossplane" };
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const deployment = { apiVersion: "apps/v1", kind: "Deployment", name: "crossplane", namespace: XP_NS };
const serviceAccount = { apiVersion: "v1", kind: "ServiceAccount", name: "crossplane", namespace: XP_NS };
const provider = { apiVersion: "pkg.crossplane.io/v1", kind: "Provider", name: "provider-kubernetes" };
const fn = { apiVersion: "pkg.crossplane.io/v1", kind: "Function", name: "function-patch-and-transform" };
const tenantProvider = { apiVersion: "pkg.crossplane.io/v1", kind: "Provider", name: "tenant-own" };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type Status = { phase?: string; conditions?: Condition[] };
type Obj = Record<string, unknown> & { metadata?: { uid?: string; annotations?: Record<string, string> } };

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;
let chartUrl: string;
let nextChartUrl: string;

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, crossplane)) as { status?: Status } | undefined)?.status;
}

function secret(name: string, type: string, stringData: Record<string, string>): object {
  return { apiVersion: "v1", kind: "Secret", type, metadata: { name, namespace: SOURCES }, stringData };
}

function dockerConfig(host: string, auth: Record<string, string>): Record<string, string> {
  return { ".dockerconfigjson": JSON.stringify({ auths: { [host]: auth } }) };
}

/** The pull Secrets, the chart's credentials and the CA bundle in openmcp-system on the platform. */
async function platformSources(): Promise<void> {
  const registry = registryOf();
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: SOURCES } });
  const objects = [
    secret(
      CHART_PULL,
      "kubernetes.io/dockerconfigjson",
      dockerConfig(registry.host, {
        username: registry.username,
        password: registry.password,
      }),
    ),
    secret(
      IMAGE_PULL,
      "kubernetes.io/dockerconfigjson",
      dockerConfig("registry.invalid", { auth: "aW1hZ2U6cHVsbA==" }),
    ),
    secret(
      XPKG_PULL,
      "kubernetes.io/dockerconfigjson",
      dockerConfig("xpkg.upbound.io", { auth: "eHBrZzpwdWxs" }),
    ),
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: CA, namespace: SOURCES },
      data: { "ca.crt": await readFile(registry.caFile, "utf8"), other: "not copied" },
    },
  ];
  for (const obj of objects) await apply(platform, obj as { apiVersion: string; kind: string });
}

/** openMCP access: an AccessRequest for the MCP, granted with the kubeconfig Secret. */
async function grantAccessRequest(): Promise<void> {
  const client = KubeClient.for(platform);
  // Not through client-node: its CRD model drops x-kubernetes-preserve-unknown-fields.
  await client.apply(ACCESS_REQUEST_CRD, { manager: "spe-tests" });
  await grantTarget(NS, `${NAME}-access`, "mcp");
  const request = {
    apiVersion: "clusters.openmcp.cloud/v1alpha1",
    kind: "AccessRequest",
    metadata: { name: NAME, namespace: NS },
    spec: { clusterRef: { name: NAME } },
  };
  await eventually("AccessRequest created", () => apply(platform, request));
  await client.send({
    method: "PATCH",
    path: `${await client.path({ ...request, name: NAME, namespace: NS })}/status`,
    body: { status: { phase: "Granted", secretRef: { name: `${NAME}-access`, namespace: NS } } },
    contentType: "application/merge-patch+json",
  });
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  chartUrl = await pushChart(`${repoRoot}/test/fixtures/charts/crossplane`, `xp-${id}`);
  nextChartUrl = await pushChart(`${repoRoot}/test/fixtures/charts/crossplane`, `xp-${id}`, "1.21.0");
  await platformSources();
  engine = await startEngine([await loadProvider("providers/crossplane/descriptor.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantAccessRequest();
  await apply(platform, {
    apiVersion: configRef.apiVersion,
    kind: configRef.kind,
    metadata: { name: configRef.name },
    spec: {
      caBundleRef: { name: CA, key: "ca.crt" },
      versions: [
        {
          version: "v1.20.0",
          chart: { url: chartUrl, secretRef: { name: CHART_PULL } },
          image: { url: IMAGE, secretRef: { name: IMAGE_PULL } },
        },
        {
          version: "v1.21.0",
          chart: { url: nextChartUrl, secretRef: { name: CHART_PULL } },
          image: { url: IMAGE_NEXT, secretRef: { name: IMAGE_PULL } },
        },
      ],
      providers: {
        availableProviders: [
          {
            name: "provider-kubernetes",
            package: "xpkg.upbound.io/crossplane-contrib/provider-kubernetes",
            versions: ["v0.15.0"],
          },
        ],
        imagePullSecretRefs: [{ name: XPKG_PULL }],
      },
      functions: {
        availableFunctions: [
          {
            name: "function-patch-and-transform",
            package: "xpkg.upbound.io/crossplane-contrib/function-patch-and-transform",
            versions: ["v0.7.0"],
          },
        ],
        // The same Secret as the providers': copied once.
        imagePullSecretRefs: [{ name: XPKG_PULL }],
      },
    },
  });
}, 60_000);

/** Deletes the Crossplane object; if spe cannot finish (a failed run), drops the finalizer so the CRD can go. */
async function removeCrossplane(): Promise<void> {
  const client = KubeClient.for(onboarding);
  await client.delete(apiRef);
  const gone = await eventually(
    "Crossplane object gone",
    async () => ((await read(onboarding, crossplane)) ? undefined : true),
    30_000,
  ).catch(() => false);
  if (gone) return;
  await client.send({
    method: "PATCH",
    path: await client.path(apiRef),
    body: { metadata: { finalizers: null } },
    contentType: "application/merge-patch+json",
  });
}

afterAll(async () => {
  await KubeClient.for(mcp).delete(tenantProvider);
  await KubeClient.for(mcp).delete({ ...revisionRef, name: "tenant-rev" });
  await removeCrossplane();
  await engine.stop();
  const platformClient = KubeClient.for(platform);
  await platformClient.delete(configRef);
  for (const name of [CHART_PULL, IMAGE_PULL, XPKG_PULL])
    await platformClient.delete({ apiVersion: "v1", kind: "Secret", name, namespace: SOURCES });
  await platformClient.delete({ apiVersion: "v1", kind: "ConfigMap", name: CA, namespace: SOURCES });
  await KubeClient.for(onboarding).delete({ ...crd, name: `crossplanes.${GROUP}` });
  await platformClient.delete({ ...crd, name: `providerconfigs.${GROUP}` });
  await platformClient.delete({ ...crd, name: ACCESS_REQUEST_CRD.metadata.name });
  for (const kc of [onboarding, platform])
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

const revisionRef = { apiVersion: "pkg.crossplane.io/v1", kind: "ProviderRevision" };

/** A ProviderRevision owned by the Provider `owner`, as Crossplane makes one. */
async function revision(owner: string, name: string): Promise<void> {
  const uid = (await onMcp({ ...provider, name: owner }))?.metadata?.uid;
  await KubeClient.for(mcp).apply(
    {
      ...revisionRef,
      metadata: {
        name,
        ownerReferences: [
          { apiVersion: provider.apiVersion, kind: "Provider", name: owner, uid, controller: true },
        ],
      },
      spec: { package: "xpkg.upbound.io/any:v1" },
    },
    { manager: "crossplane" },
  );
}

async function onMcp(ref: {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}): Promise<Obj | undefined> {
  return await KubeClient.for(mcp).get(ref);
}

describe("providers/crossplane with a private chart, image and packages", () => {
  it("installs the offered chart from the private registry and runs the offered image", async () => {
    await apply(onboarding, crossplane);
    const s = await eventually(
      "Crossplane Ready",
      async () => {
        const st = await status();
        if (st?.phase === "Ready") return st;
        throw new Error(JSON.stringify(st?.conditions?.filter((c) => c.status !== "True") ?? null));
      },
      90_000,
    );
    expect(s.phase).toBe("Ready");
    const d = (await onMcp(deployment)) as {
      spec?: {
        template?: { spec?: { containers?: { image?: string; env?: unknown[] }[]; volumes?: unknown[] } };
      };
    };
    const pod = d.spec?.template?.spec;
    expect(pod?.containers?.[0]?.image).toBe(IMAGE);
    // The CA is mounted from the copy (the chart's registryCaBundleConfig).
    expect(pod?.volumes).toEqual([
      {
        name: "ca-certs",
        configMap: { name: CA, items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 420 },
      },
    ]);
    const sa = (await onMcp(serviceAccount)) as { imagePullSecrets?: unknown[] };
    expect(sa.imagePullSecrets).toEqual([{ name: IMAGE_PULL }]);
  });

  it("copies the image and package pull Secrets and the CA to the MCP, not the chart's credentials", async () => {
    const copies = await KubeClient.for(mcp).list("v1", "Secret", {
      namespace: XP_NS,
      labelSelector: "app.kubernetes.io/managed-by=spe",
    });
    expect(copies.map((c) => c.metadata.name).sort()).toEqual([IMAGE_PULL, XPKG_PULL].sort());
    for (const name of [IMAGE_PULL, XPKG_PULL]) {
      const source = await KubeClient.for(platform).get({
        apiVersion: "v1",
        kind: "Secret",
        name,
        namespace: SOURCES,
      });
      const copy = await onMcp({ apiVersion: "v1", kind: "Secret", name, namespace: XP_NS });
      expect(copy?.type).toBe("kubernetes.io/dockerconfigjson");
      expect(copy?.data).toEqual(source?.data);
      expect(copy?.metadata?.annotations?.["spe.dev/copied-from"]).toBe(`${SOURCES}/${name}`);
    }
    const ca = await onMcp({ apiVersion: "v1", kind: "ConfigMap", name: CA, namespace: XP_NS });
    expect(Object.keys((ca?.data as Record<string, string> | undefined) ?? {})).toEqual(["ca.crt"]);
  });

  it("creates the requested packages as <package>:<version> with the pull Secrets", async () => {
    const p = (await onMcp(provider)) as { spec?: { package?: string; packagePullSecrets?: unknown } };
    expect(p.spec?.package).toBe("xpkg.upbound.io/crossplane-contrib/provider-kubernetes:v0.15.0");
    expect(p.spec?.packagePullSecrets).toEqual([{ name: XPKG_PULL }]);
    const f = (await onMcp(fn)) as { spec?: { package?: string; packagePullSecrets?: unknown } };
    expect(f.spec?.package).toBe("xpkg.upbound.io/crossplane-contrib/function-patch-and-transform:v0.7.0");
    expect(f.spec?.packagePullSecrets).toEqual([{ name: XPKG_PULL }]);
  });

  it("corrects drift: a deleted copy is copied again, a scaled Crossplane scaled back", async () => {
    const copy = { apiVersion: "v1", kind: "Secret", name: XPKG_PULL, namespace: XP_NS };
    const before = await onMcp(copy);
    await KubeClient.for(mcp).delete(copy);
    await eventually("the package pull Secret copied again", async () => {
      const now = await onMcp(copy);
      return now && (now.metadata as { uid?: string }).uid !== (before?.metadata as { uid?: string }).uid
        ? true
        : undefined;
    });
    const client = KubeClient.for(mcp);
    await client.send({
      method: "PATCH",
      path: `${await client.path(deployment)}?fieldManager=kubectl-scale`,
      body: { spec: { replicas: 3 } },
      contentType: "application/merge-patch+json",
    });
    await eventually("Crossplane scaled back to 1", async () => {
      const d = await onMcp(deployment);
      return (d?.spec as { replicas?: number } | undefined)?.replicas === 1 ? true : undefined;
    });
  });

  it("upgrades to another offered version: its chart and its image", async () => {
    await apply(onboarding, { ...crossplane, spec: { ...crossplane.spec, version: "v1.21.0" } });
    await eventually(
      "Crossplane at v1.21.0, Ready",
      async () => {
        const d = (await onMcp(deployment)) as
          { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
        const st = await status();
        return d?.spec?.template?.spec?.containers?.[0]?.image === IMAGE_NEXT && st?.phase === "Ready"
          ? true
          : undefined;
      },
      90_000,
    );
    const releases = await KubeClient.for(mcp).list("v1", "Secret", {
      namespace: XP_NS,
      labelSelector: "owner=helm,name=crossplane,status=deployed",
    });
    expect(releases.map((r) => (r.metadata.labels ?? {}).version)).toEqual(["2"]);
    // The packages stay as they were.
    expect(((await onMcp(provider)) as { spec?: { package?: string } }).spec?.package).toBe(
      "xpkg.upbound.io/crossplane-contrib/provider-kubernetes:v0.15.0",
    );
  });

  it(
    "waits while a tenant's own Provider exists, then removes everything",
    { timeout: 150_000 },
    async () => {
      await KubeClient.for(mcp).apply(
        {
          apiVersion: tenantProvider.apiVersion,
          kind: tenantProvider.kind,
          metadata: { name: tenantProvider.name },
          spec: { package: "xpkg.upbound.io/tenant/provider-own:v1" },
        },
        { manager: "tenant" },
      );
      // The revisions Crossplane makes for each Provider, owned by it: spe's goes with spe's Provider.
      await revision(provider.name, "spe-rev");
      await revision(tenantProvider.name, "tenant-rev");
      await KubeClient.for(onboarding).delete(apiRef);
      const blocked = await eventually(
        "DeletionBlocked naming the tenant's Provider",
        async () => {
          const c = (await status())?.conditions?.find((x) => x.type === "DeletionBlocked");
          return c?.status === "True" ? c : undefined;
        },
        60_000,
      );
      expect(blocked.reason).toBe("UserResourcesPresent");
      expect(blocked.message).toContain("1 Provider.pkg.crossplane.io (tenant-own)");
      expect(blocked.message).toContain("1 ProviderRevision.pkg.crossplane.io (tenant-rev)");
      expect(blocked.message).not.toContain("spe-rev");
      // Nothing was removed meanwhile.
      expect(await onMcp(deployment)).toBeDefined();
      expect(await onMcp(provider)).toBeDefined();
      await KubeClient.for(mcp).delete(tenantProvider);
      await KubeClient.for(mcp).delete({ ...revisionRef, name: "tenant-rev" });
      await eventually(
        "Crossplane object gone",
        async () => ((await read(onboarding, crossplane)) ? undefined : true),
        90_000,
      );
      expect(await onMcp(deployment)).toBeUndefined();
      const releases = await KubeClient.for(mcp).list("v1", "Secret", {
        namespace: XP_NS,
        labelSelector: "owner=helm,name=crossplane",
      });
      expect(releases).toEqual([]);
      for (const name of [IMAGE_PULL, XPKG_PULL])
        expect(await onMcp({ apiVersion: "v1", kind: "Secret", name, namespace: XP_NS })).toBeUndefined();
      expect(
        await onMcp({ apiVersion: "v1", kind: "ConfigMap", name: CA, namespace: XP_NS }),
      ).toBeUndefined();
      // The engine deletes the CRDs and is done; the apiserver removes their instances first.
      for (const name of ["providers.pkg.crossplane.io", "functions.pkg.crossplane.io"])
        await eventually(`CRD ${name} gone`, async () =>
          (await onMcp({ ...crd, name })) ? undefined : true,
        );
    },
  );
});
