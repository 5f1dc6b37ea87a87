/**
 * Delete, then create again, when an object of the chart came back after the uninstall
 * without helm's ownership metadata: kube-controller-manager's ClusterRole aggregation
 * writes the rules of an aggregated ClusterRole by server-side apply, which re-creates one
 * that is gone with nothing but its rules. Helm refused every install after that; spe adopts
 * such unowned objects (helm units' `adopt: ifUnowned`, the default), and never an object
 * that another release owns.
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { grantTarget, loadProvider, removeProvider, startEngine } from "./support/engine.js";
import { apply, eventually } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-adopt-${id}`;
const GROUP = "roles.tests.spe.dev";

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface RoleSet {
  status?: { phase?: string; conditions?: Condition[] };
}
interface ClusterRole {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
  aggregationRule?: unknown;
  rules?: unknown[];
}

let engine: Engine;
let onboarding: KubeConfig;
let mcp: KubeConfig;

const roleSet = (name: string) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: "RoleSet",
  metadata: { name, namespace: NS },
  spec: {},
});
const ref = (name: string) => ({ apiVersion: `${GROUP}/v1alpha1`, kind: "RoleSet", name, namespace: NS });
const roleRef = (name: string) => ({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name });

async function get(name: string): Promise<RoleSet | undefined> {
  return (await KubeClient.for(onboarding).get(ref(name))) as RoleSet | undefined;
}

async function clusterRole(name: string): Promise<ClusterRole | undefined> {
  return await KubeClient.for(mcp).get(roleRef(name));
}

/** A ClusterRole's ownership metadata as helm reads it, and whether it is the chart's object. */
async function ownership(name: string): Promise<Record<string, unknown>> {
  const role = await clusterRole(name);
  const annotations = role?.metadata.annotations ?? {};
  const labels = role?.metadata.labels ?? {};
  return {
    release: annotations["meta.helm.sh/release-name"],
    releaseNamespace: annotations["meta.helm.sh/release-namespace"],
    managedBy: labels["app.kubernetes.io/managed-by"],
    instance: labels["app.kubernetes.io/instance"],
    aggregated: role?.aggregationRule !== undefined,
  };
}

function condition(obj: RoleSet | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

async function ready(name: string): Promise<void> {
  await eventually(
    `${name} Ready`,
    async () => ((await get(name))?.status?.phase === "Ready" ? true : undefined),
    90_000,
  );
}

async function deleteAndWait(name: string): Promise<void> {
  await KubeClient.for(onboarding).delete(ref(name));
  await eventually(`${name} gone`, async () => ((await get(name)) ? undefined : true), 60_000);
}

/** What kube-controller-manager's ClusterRole aggregation writes: only the rules, by server-side apply. */
async function applyAsAggregationController(name: string): Promise<void> {
  const client = KubeClient.for(mcp);
  await client.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
    },
    { manager: "clusterrole-aggregation-controller", force: true },
  );
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([await loadProvider("test/fixtures/descriptors/roles.yaml")]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  await apply(kubeConfigFor("platform"), {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "roles" },
    spec: {},
  });
});

afterAll(async () => {
  const client = KubeClient.for(onboarding);
  for (const o of await client.list(`${GROUP}/v1alpha1`, "RoleSet", { namespace: NS })) {
    await client.delete(ref(o.metadata.name));
    await eventually("cleanup", async () => ((await get(o.metadata.name)) ? undefined : true), 60_000).catch(
      () => undefined,
    );
  }
  await engine.stop();
  for (const name of [`a-${id}-edit`, `a-${id}-edit-settings`, `b-${id}-edit`])
    await KubeClient.for(mcp).delete(roleRef(name));
  await removeProvider({ group: GROUP, apiPlural: "rolesets", configName: "roles", namespace: NS });
});

describe("re-creating an API object after its delete", () => {
  it("adopts the aggregated ClusterRole that came back without an owner, and converges", async () => {
    const name = `a-${id}`;
    await grantTarget(NS, `${name}-kubeconfig`, "mcp");
    await apply(onboarding, roleSet(name));
    await ready(name);
    expect(await ownership(`${name}-edit`)).toMatchObject({ release: name, aggregated: true });

    await deleteAndWait(name);
    // The uninstall is done; the aggregation controller's apply brings the role back bare.
    await applyAsAggregationController(`${name}-edit`);
    expect(await ownership(`${name}-edit`)).toEqual({ aggregated: false });

    await apply(onboarding, roleSet(name));
    await ready(name);
    expect(condition(await get(name), "Deployed")?.status).toBe("True");
    // Adopted, and helm applied the chart's object over it.
    expect(await ownership(`${name}-edit`)).toEqual({
      release: name,
      releaseNamespace: NS,
      managedBy: "Helm",
      instance: name,
      aggregated: true,
    });
  });

  it("never adopts an object another release owns: the install fails and names it", async () => {
    const name = `b-${id}`;
    await grantTarget(NS, `${name}-kubeconfig`, "mcp");
    const foreign = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: {
        name: `${name}-edit`,
        labels: { "app.kubernetes.io/managed-by": "Helm" },
        annotations: { "meta.helm.sh/release-name": "other", "meta.helm.sh/release-namespace": "elsewhere" },
      },
      rules: [],
    };
    await apply(mcp, foreign);
    await apply(onboarding, roleSet(name));
    const failed = await eventually(
      `${name} Deployed=False`,
      async () => {
        const c = condition(await get(name), "Deployed");
        return c?.status === "False" ? c : undefined;
      },
      60_000,
    );
    expect(failed.reason).toBe("InstallFailed");
    expect(failed.message).toContain(`"${name}-edit"`);
    expect(failed.message).toMatch(/cannot be imported into the current release/);
    expect(await ownership(`${name}-edit`)).toMatchObject({ release: "other", aggregated: false });
    // Nothing of the chart was left half installed.
    expect(await clusterRole(`${name}-edit-settings`)).toBeUndefined();
  });
});
