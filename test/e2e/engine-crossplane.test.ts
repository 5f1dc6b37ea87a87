/**
 * providers/crossplane against a stand-in crossplane chart served from a local
 * chart repository (helm package + helm repo index + node:http, no network), with
 * target access through an openMCP AccessRequest: the object becomes Ready,
 * Crossplane runs, the requested Provider and Function packages exist on the mcp
 * with the offered package, version and pull Secrets, and deletion removes them,
 * the release and the CRDs. The descriptor is used as bundled except for its chart
 * source: upstream's `chart.url` is an OCI reference, and pulling from the test
 * registry needs registry credentials (issue 14, capability 2); here the chart
 * unit reads the same `chart.url` as a chart repository.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { serveChartRepo, type ChartRepo } from "./support/chart-repo.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, repoRoot, startEngine } from "./support/engine.js";
import { loadDescriptors, safeCompileDescriptor } from "../../src/descriptor/index.js";
import type { Provider } from "../../src/engine/descriptors/provider.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";
import { ACCESS_REQUEST_CRD } from "../fixtures/crds/accessrequest.js";

const id = Date.now().toString(36);
const NS = `spe-xp-${id}`;
const NAME = "mcp-x";
const GROUP = "crossplane.services.open-control-plane.io";
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
const configRef = { apiVersion: `${GROUP}/v1alpha1`, kind: "ProviderConfig", name: "crossplane" };
const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "crossplane", namespace: "crossplane-system" },
};
const provider = {
  apiVersion: "pkg.crossplane.io/v1",
  kind: "Provider",
  metadata: { name: "provider-kubernetes" },
};
const fn = {
  apiVersion: "pkg.crossplane.io/v1",
  kind: "Function",
  metadata: { name: "function-patch-and-transform" },
};

type Status = { phase?: string; conditions?: { type: string; status: string }[] };

/** providers/crossplane with its chart unit reading chart.url as a chart repository (see above). */
async function crossplaneProvider(): Promise<Provider> {
  const path = `${repoRoot}/providers/crossplane/descriptor.yaml`;
  const loaded = await loadDescriptors([path]);
  const descriptor = loaded.descriptors[0]!;
  const unit = descriptor.spec.deploy[0]!;
  expect(unit.name).toBe("crossplane");
  unit.helm!.chart = {
    repo: "${config.spec.versions[version=api.spec.version].chart.url}",
    name: "crossplane",
    version: "1.20.0",
  };
  const compiled = safeCompileDescriptor(descriptor);
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
  return { compiled: compiled.value, baseDir: `${repoRoot}/providers/crossplane`, source: path };
}

let engine: Engine;
let repo: ChartRepo;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

async function status(): Promise<Status | undefined> {
  return ((await read(onboarding, crossplane)) as { status?: Status } | undefined)?.status;
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
  repo = await serveChartRepo([`${repoRoot}/test/fixtures/charts/crossplane`]);
  engine = await startEngine([await crossplaneProvider()]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await grantAccessRequest();
  await apply(platform, {
    apiVersion: configRef.apiVersion,
    kind: configRef.kind,
    metadata: { name: configRef.name },
    spec: {
      versions: [{ version: "v1.20.0", chart: { url: repo.url } }],
      providers: {
        availableProviders: [
          {
            name: "provider-kubernetes",
            package: "xpkg.upbound.io/crossplane-contrib/provider-kubernetes",
            versions: ["v0.15.0"],
          },
        ],
        imagePullSecretRefs: [{ name: "xpkg-pull" }],
      },
      functions: {
        availableFunctions: [
          {
            name: "function-patch-and-transform",
            package: "xpkg.upbound.io/crossplane-contrib/function-patch-and-transform",
            versions: ["v0.7.0"],
          },
        ],
      },
    },
  });
});

/** Deletes the Crossplane object; if spe cannot finish (a failed run), drops the finalizer so the CRD can go. */
async function removeCrossplane(): Promise<void> {
  const client = KubeClient.for(onboarding);
  const ref = { apiVersion: crossplane.apiVersion, kind: crossplane.kind, name: NAME, namespace: NS };
  await client.delete(ref);
  const gone = await eventually(
    "Crossplane object gone",
    async () => ((await read(onboarding, crossplane)) ? undefined : true),
    30_000,
  ).catch(() => false);
  if (gone) return;
  await client.send({
    method: "PATCH",
    path: await client.path(ref),
    body: { metadata: { finalizers: null } },
    contentType: "application/merge-patch+json",
  });
}

afterAll(async () => {
  await removeCrossplane();
  await engine.stop();
  await repo.close();
  await KubeClient.for(platform).delete(configRef);
  await KubeClient.for(onboarding).delete({ ...crd, name: `crossplanes.${GROUP}` });
  await KubeClient.for(platform).delete({ ...crd, name: `providerconfigs.${GROUP}` });
  await KubeClient.for(platform).delete({ ...crd, name: ACCESS_REQUEST_CRD.metadata.name });
  for (const kc of [onboarding, platform])
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("providers/crossplane with a chart from a local repository", () => {
  it("installs Crossplane from the offered version's chart and reports Ready", async () => {
    await apply(onboarding, crossplane);
    const s = await eventually(
      "Crossplane Ready",
      async () => {
        const st = await status();
        return st?.phase === "Ready" ? st : undefined;
      },
      90_000,
    );
    expect(s.phase).toBe("Ready");
    const d = await read(mcp, deployment);
    expect(hasCondition(d as Parameters<typeof hasCondition>[0], "Available")).toBe(true);
  });

  it("creates the requested Provider and Function packages from the config's allow-list", async () => {
    const p = (await read(mcp, provider)) as
      { spec?: { package?: string; packagePullSecrets?: unknown } } | undefined;
    expect(p?.spec?.package).toBe("xpkg.upbound.io/crossplane-contrib/provider-kubernetes:v0.15.0");
    expect(p?.spec?.packagePullSecrets).toEqual([{ name: "xpkg-pull" }]);
    const f = (await read(mcp, fn)) as { spec?: { package?: string } } | undefined;
    expect(f?.spec?.package).toBe("xpkg.upbound.io/crossplane-contrib/function-patch-and-transform:v0.7.0");
  });

  it("removes the packages, the release and Crossplane's CRDs on deletion", async () => {
    await KubeClient.for(onboarding).delete({
      apiVersion: crossplane.apiVersion,
      kind: crossplane.kind,
      name: NAME,
      namespace: NS,
    });
    await eventually(
      "Crossplane object gone",
      async () => ((await read(onboarding, crossplane)) ? undefined : true),
      90_000,
    );
    expect(await read(mcp, deployment)).toBeUndefined();
    const releases = await KubeClient.for(mcp).list("v1", "Secret", {
      namespace: "crossplane-system",
      labelSelector: "owner=helm,name=crossplane",
    });
    expect(releases).toEqual([]);
    // The engine deletes the CRDs and is done; the apiserver removes their instances first.
    for (const name of ["providers.pkg.crossplane.io", "functions.pkg.crossplane.io"])
      await eventually(`CRD ${name} gone`, async () =>
        (await read(mcp, { ...crd, metadata: { name } })) ? undefined : true,
      );
  });
});
