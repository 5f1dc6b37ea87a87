/**
 * Drift that server-side apply alone cannot correct, corrected object by object on the real
 * clusters (test/fixtures/descriptors/drift.yaml: the storefront chart and a manifests unit):
 * a Service whose port (a list-map key) was changed out of band converges while a Deployment
 * changed at the same moment is corrected within seconds; an immutable ConfigMap re-created
 * with other data is re-created again; and a ConfigMap whose correction an admission policy
 * refuses is named in the status while every other object is corrected.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { createMetrics } from "../../src/engine/runtime/metrics.js";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-drift-${id}`;
const GROUP = "drift.tests.spe.dev";
const IMAGE = "registry.invalid/storefront:0.3.0";
const INTRUDER = "registry.invalid/intruder:6.6.6";
const POLICY = `spe-e2e-drift-${id}`;
/** How soon a Deployment changed out of band is back, while other objects of its unit are not. */
const PROMPTLY_MS = 15_000;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Status {
  phase?: string;
  conditions?: Condition[];
  resources?: { kind: string; name: string; phase: string; message?: string }[];
  drift?: { field: string; object: { kind: string; name: string } }[];
}
type Obj = KubeObject & { status?: Status };

const shop = (name: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "Storefront",
  metadata: { name, namespace: NS },
  spec: {},
});
const config = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "ProviderConfig",
  metadata: { name: "drift" },
  spec: { image: IMAGE },
};

let engine: Engine;
const metrics = createMetrics({ processMetrics: false });
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

const ref = (kind: string, name: string) => ({
  apiVersion: kind === "Deployment" ? "apps/v1" : "v1",
  kind,
  name,
  namespace: NS,
});

function live(kind: string, name: string): Promise<Obj | undefined> {
  return KubeClient.for(mcp).get(ref(kind, name));
}

async function status(name: string): Promise<Status | undefined> {
  const { apiVersion, kind } = shop(name);
  const obj: Obj | undefined = await KubeClient.for(onboarding).get({
    apiVersion,
    kind,
    name,
    namespace: NS,
  });
  return obj?.status;
}

/** A JSON patch as another field manager, the way `kubectl edit` or `kubectl set image` changes an object. */
async function edit(kind: string, name: string, ops: unknown[]): Promise<void> {
  const client = KubeClient.for(mcp);
  await client.send({
    method: "PATCH",
    path: `${await client.path(ref(kind, name))}?fieldManager=kubectl-edit`,
    body: ops,
    contentType: "application/json-patch+json",
  });
}

function imageOf(d: Obj | undefined): string | undefined {
  const spec = d?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined;
  return spec?.template.spec.containers[0]?.image;
}

function portsOf(svc: Obj | undefined): number[] | undefined {
  return (svc?.spec as { ports?: { port: number }[] } | undefined)?.ports?.map((p) => p.port);
}

function dataOf(cm: Obj | undefined): Record<string, string> | undefined {
  return cm?.data as Record<string, string> | undefined;
}

/** Reconciles of this provider so far. */
async function reconciles(): Promise<number> {
  const found = (await metrics.registry.getMetricsAsJSON()).find(
    (m) => m.name === "controller_runtime_reconcile_total",
  );
  return (found?.values ?? [])
    .filter((v) => v.labels.controller === "drift")
    .reduce((sum, v) => sum + v.value, 0);
}

async function setOperation(name: string, operation: string | null): Promise<void> {
  const client = KubeClient.for(onboarding);
  const { apiVersion, kind } = shop(name);
  await client.mergePatch(
    { apiVersion, kind, name, namespace: NS },
    { metadata: { annotations: { "openmcp.cloud/operation": operation } } },
    "spe-tests",
  );
}

/**
 * Makes the out-of-band `changes` while spe leaves the object alone (openMCP's
 * `operation: ignore`), so that spe finds all of them at once when it resumes, as after
 * changes made in one moment. Resolves with the time it resumed.
 */
async function whilePaused(name: string, changes: () => Promise<void>): Promise<number> {
  const before = await reconciles();
  await setOperation(name, "ignore");
  await eventually("spe saw the pause", async () => ((await reconciles()) > before ? true : undefined));
  await changes();
  await setOperation(name, null);
  return Date.now();
}

async function deployed(name: string): Promise<void> {
  await apply(onboarding, shop(name));
  await eventually(
    `${name} Ready`,
    async () => {
      return (await status(name))?.phase === "Ready" ? true : undefined;
    },
    90_000,
  );
}

/** Waits for the Deployment's image to be back; resolves with how long that took since `since`. */
async function imageRestored(name: string, since: number): Promise<number> {
  return eventually(
    `${name}: image restored`,
    async () => (imageOf(await live("Deployment", name)) === IMAGE ? Date.now() - since : undefined),
    PROMPTLY_MS,
    100,
  );
}

/**
 * Lets configmaps labelled `tests.spe.dev/guarded` in the test namespace be relaxed but never
 * made strict again: spe's correction of a relaxed one is refused, as a site's policy might.
 */
async function guardModes(): Promise<void> {
  const admission = "admissionregistration.k8s.io/v1";
  await apply(mcp, {
    apiVersion: admission,
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: POLICY },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [
          { apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["configmaps"] },
        ],
        objectSelector: { matchLabels: { "tests.spe.dev/guarded": "true" } },
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NS } },
      },
      validations: [
        {
          expression:
            "!has(object.data) || !('mode' in object.data) || object.data.mode != 'strict' || " +
            "(has(oldObject.data) && 'mode' in oldObject.data && oldObject.data.mode == 'strict')",
          message: "mode may be relaxed, not made strict again",
        },
      ],
    },
  });
  await apply(mcp, {
    apiVersion: admission,
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: POLICY },
    spec: { policyName: POLICY, validationActions: ["Deny"] },
  });
  // The apiserver loads policies asynchronously: wait until a dry-run shows it in force.
  const probe = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "probe", namespace: NS, labels: { "tests.spe.dev/guarded": "true" } },
    data: { mode: "relaxed" },
  };
  await apply(mcp, probe);
  const client = KubeClient.for(mcp);
  await eventually("admission policy in force", async () => {
    const strict = { ...probe, data: { mode: "strict" } };
    const refused = await client.apply(strict, { manager: "probe", force: true, dryRun: true }).then(
      () => false,
      () => true,
    );
    return refused ? true : undefined;
  });
}

async function unguardModes(): Promise<void> {
  const client = KubeClient.for(mcp);
  const admission = "admissionregistration.k8s.io/v1";
  await client.delete({ apiVersion: admission, kind: "ValidatingAdmissionPolicyBinding", name: POLICY });
  await client.delete({ apiVersion: admission, kind: "ValidatingAdmissionPolicy", name: POLICY });
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/drift.yaml")], { metrics });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of ["ports", "policy"]) await grantTarget(NS, `${name}-kubeconfig`, "mcp");
  await apply(platform, config);
});

afterAll(async () => {
  await unguardModes();
  const client = KubeClient.for(onboarding);
  const { apiVersion, kind } = shop("");
  for (const name of ["ports", "policy"]) await client.delete({ apiVersion, kind, name, namespace: NS });
  const gone = await eventually(
    "API objects gone",
    async () => ((await client.list(apiVersion, kind, { namespace: NS })).length === 0 ? true : undefined),
    60_000,
  ).catch(() => false);
  // What spe could not finish (a failed run) loses its finalizer, so that the CRD can go.
  if (!gone)
    for (const o of await client.list(apiVersion, kind, { namespace: NS }))
      await client.mergePatch(
        { apiVersion, kind, name: o.metadata.name, namespace: NS },
        { metadata: { finalizers: null } },
        "spe-tests",
      );
  await engine.stop();
  await removeProvider({ group: GROUP, apiPlural: "storefronts", configName: "drift", namespace: NS });
});

describe("drift that server-side apply alone cannot correct", () => {
  it("corrects a Deployment within seconds while Services whose port keys changed converge too", async () => {
    await deployed("ports");
    const since = await whilePaused("ports", async () => {
      await edit("Service", "ports", [{ op: "replace", path: "/spec/ports/0/port", value: 81 }]);
      await edit("Service", "ports-metrics", [{ op: "replace", path: "/spec/ports/0/port", value: 9091 }]);
      await edit("Deployment", "ports", [
        { op: "replace", path: "/spec/template/spec/containers/0/image", value: INTRUDER },
      ]);
    });
    const took = await imageRestored("ports", since);
    expect(took).toBeLessThan(PROMPTLY_MS);
    // Each Service holds exactly its own port again: no second entry beside the one changed.
    await eventually("helm's Service converged", async () =>
      (portsOf(await live("Service", "ports")) ?? []).join() === "80" ? true : undefined,
    );
    await eventually("the manifests unit's Service converged", async () =>
      (portsOf(await live("Service", "ports-metrics")) ?? []).join() === "9090" ? true : undefined,
    );
    const after = await eventually("Ready with the corrections recorded", async () => {
      const s = await status("ports");
      const objects = new Set(s?.drift?.map((d) => `${d.object.kind}/${d.object.name}`));
      return s?.phase === "Ready" && objects.has("Service/ports") && objects.has("Service/ports-metrics")
        ? s
        : undefined;
    });
    expect(after.drift?.map((d) => `${d.object.kind}/${d.object.name}`)).toContain("Deployment/ports");
  });

  it("names the object whose correction is refused and corrects every other, re-creating an immutable one", async () => {
    await guardModes();
    await deployed("policy");
    const pinned = await live("ConfigMap", "policy-pinned");
    const since = await whilePaused("policy", async () => {
      // Re-created by someone else with other data: only a delete and create can change an immutable ConfigMap.
      const client = KubeClient.for(mcp);
      await client.delete(ref("ConfigMap", "policy-pinned"));
      const {
        uid: _uid,
        resourceVersion: _rv,
        managedFields: _mf,
        creationTimestamp: _ct,
        ...meta
      } = pinned!.metadata;
      await client.create(
        { ...pinned!, metadata: { ...meta, name: "policy-pinned" }, data: { chartVersion: "9.9.9" } },
        { manager: "kubectl-create" },
      );
      await edit("ConfigMap", "policy-settings", [{ op: "replace", path: "/data/mode", value: "relaxed" }]);
      await edit("ConfigMap", "policy-extras", [{ op: "replace", path: "/data/mode", value: "relaxed" }]);
      await edit("Deployment", "policy", [
        { op: "replace", path: "/spec/template/spec/containers/0/image", value: INTRUDER },
      ]);
    });
    expect(await imageRestored("policy", since)).toBeLessThan(PROMPTLY_MS);
    await eventually("the immutable ConfigMap re-created with the chart's data", async () =>
      dataOf(await live("ConfigMap", "policy-pinned"))?.chartVersion === "0.3.0" ? true : undefined,
    );
    const s = await eventually("Deployed=False naming both refused ConfigMaps", async () => {
      const st = await status("policy");
      const deployed = st?.conditions?.find((c) => c.type === "Deployed");
      return deployed?.status === "False" &&
        deployed.message.includes(`ConfigMap ${NS}/policy-settings not applied`) &&
        deployed.message.includes(`ConfigMap ${NS}/policy-extras not applied`)
        ? st
        : undefined;
    });
    expect(s.conditions?.find((c) => c.type === "Deployed")?.reason).toBe("ApplyFailed");
    expect(s.phase).toBe("Progressing");
    const settings = s.resources?.find((r) => r.kind === "ConfigMap" && r.name === "policy-settings");
    expect(settings?.message).toMatch(/^not applied: .*mode may be relaxed, not made strict again/);
    expect(s.resources?.find((r) => r.kind === "Deployment")?.message ?? "").not.toMatch(/not applied/);
    // The refused objects stay as they are; the rest of the unit is corrected.
    expect(dataOf(await live("ConfigMap", "policy-settings"))?.mode).toBe("relaxed");
    expect(imageOf(await live("Deployment", "policy"))).toBe(IMAGE);
  });
});
