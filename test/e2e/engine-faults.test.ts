/**
 * Bad input and faults, each reported with a precise condition while a
 * healthy object of the same provider, in the same namespace, stays Ready:
 * an out-of-range field (the apiserver rejects it), a field only spe's schema
 * check rejects (InvalidSpec), an unknown version (InvalidInput, offered
 * versions listed), a missing kubeconfig Secret (SecretNotFound, heals when it
 * appears), an unreachable target (deletion waits with the finalizer until
 * the Secret is fixed) and a chart whose install fails (InstallFailed with
 * helm's stderr, no release left pending).
 */
import type { KubeConfig } from "../../src/kube/kubeconfig.js";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../src/engine/runtime/engine.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget, loadProvider, startEngine } from "./support/engine.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const id = Date.now().toString(36);
const NS = `spe-faults-${id}`;
const FAULTS = "faults.tests.spe.dev";
const BROKEN = "broken.tests.spe.dev";

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface Status {
  phase?: string;
  conditions?: Condition[];
}
type Obj = { metadata: { finalizers?: string[]; deletionTimestamp?: string }; status?: Status };

const demo = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${FAULTS}/v1alpha1`,
  kind: "FaultDemo",
  metadata: { name, namespace: NS },
  spec,
});
const broken = {
  apiVersion: `${BROKEN}/v1alpha1`,
  kind: "BrokenDemo",
  metadata: { name: "broken", namespace: NS },
  spec: {},
};
const configs = [
  {
    apiVersion: `${FAULTS}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: "faults" },
    spec: {
      versions: [
        { version: "1.0", image: "registry.invalid/demo-service:1.0.0" },
        { version: "1.1", image: "registry.invalid/demo-service:1.1.0" },
      ],
    },
  },
  { apiVersion: `${BROKEN}/v1alpha1`, kind: "ProviderConfig", metadata: { name: "broken" }, spec: {} },
];

let engine: Engine;
let onboarding: KubeConfig;
let platform: KubeConfig;
let mcp: KubeConfig;

const refOf = (o: { apiVersion: string; kind: string; metadata: { name: string } }) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  namespace: NS,
});

async function get(o: {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
}): Promise<Obj | undefined> {
  return (await KubeClient.for(onboarding).get(refOf(o))) as Obj | undefined;
}

function condition(obj: Obj | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until condition `type` of `o` has `status`, and returns it. */
async function conditionOf(
  o: { apiVersion: string; kind: string; metadata: { name: string } },
  type: string,
  status: string,
  timeoutMs = 60_000,
): Promise<Condition> {
  return eventually(
    `${o.metadata.name}: ${type}=${status}`,
    async () => {
      const c = condition(await get(o), type);
      return c?.status === status ? c : undefined;
    },
    timeoutMs,
  );
}

/** Helm release Secrets of a release in the test namespace on mcp. */
async function releases(name: string): Promise<{ metadata: { labels?: Record<string, string> } }[]> {
  return KubeClient.for(mcp).list("v1", "Secret", {
    namespace: NS,
    labelSelector: `owner=helm,name=${name}`,
  });
}

const healthy = demo("healthy", { version: "1.0" });

/** The healthy object is still Ready and its Deployment Available. */
async function expectHealthyUntouched(): Promise<void> {
  const obj = await get(healthy);
  expect(obj?.status?.phase).toBe("Ready");
  expect(condition(obj, "Ready")?.status).toBe("True");
  const d = await read(mcp, {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "healthy", namespace: NS },
  });
  expect(hasCondition(d, "Available")).toBe(true);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A kubeconfig Secret for `name` whose server is a closed port on 127.0.0.1. */
async function grantUnreachable(name: string): Promise<void> {
  const text = await readFile(testEnv().clusters.mcp.kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-kubeconfig`, namespace: NS },
    stringData: {
      kubeconfig: text.replace(testEnv().clusters.mcp.server, `https://127.0.0.1:${await closedPort()}`),
    },
  });
}

beforeAll(async () => {
  onboarding = kubeConfigFor("onboarding");
  platform = kubeConfigFor("platform");
  mcp = kubeConfigFor("mcp");
  engine = await startEngine([
    await loadProvider("test/fixtures/descriptors/faults.yaml"),
    await loadProvider("test/fixtures/descriptors/broken.yaml"),
  ]);
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const name of ["healthy", "badsize", "unknown", "broken", "unrendered"])
    await grantTarget(NS, `${name}-kubeconfig`, "mcp");
  for (const config of configs) await apply(platform, config);
  await apply(onboarding, healthy);
  await eventually(
    "healthy Ready",
    async () => ((await get(healthy))?.status?.phase === "Ready" ? true : undefined),
    90_000,
  );
});

/** Deletes every object of the test; what spe cannot finish (a failed run) loses its finalizer. */
async function removeAll(): Promise<void> {
  const client = KubeClient.for(onboarding);
  const all = [
    ...(await client.list(`${FAULTS}/v1alpha1`, "FaultDemo", { namespace: NS })),
    ...(await client.list(`${BROKEN}/v1alpha1`, "BrokenDemo", { namespace: NS })),
  ];
  for (const o of all) await client.delete(refOf(o));
  for (const o of all) {
    const gone = await eventually(
      "object gone",
      async () => ((await get(o)) ? undefined : true),
      30_000,
    ).catch(() => false);
    if (!gone)
      await client.send({
        method: "PATCH",
        path: await client.path(refOf(o)),
        body: { metadata: { finalizers: null } },
        contentType: "application/merge-patch+json",
      });
  }
}

afterAll(async () => {
  await removeAll();
  await engine.stop();
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  for (const [group, plural] of [
    [FAULTS, "faultdemos"],
    [BROKEN, "brokendemos"],
  ] as const) {
    await KubeClient.for(platform).delete({
      apiVersion: `${group}/v1alpha1`,
      kind: "ProviderConfig",
      name: group.split(".")[0]!,
    });
    await KubeClient.for(onboarding).delete({ ...crd, name: `${plural}.${group}` });
    await KubeClient.for(platform).delete({ ...crd, name: `providerconfigs.${group}` });
  }
  for (const kc of [onboarding, platform, mcp])
    await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("bad input and faults, next to a healthy object", () => {
  it("leaves an out-of-range field to the apiserver, which rejects the object", async () => {
    const err = await apply(onboarding, demo("badrange", { version: "1.0", replicas: 9 })).then(
      () => ({ body: "accepted" }),
      (e: unknown) => e as { body?: unknown },
    );
    expect(String(err.body)).toMatch(/spec\.replicas.*should be less than or equal to 5/);
    expect(await get(demo("badrange", {}))).toBeUndefined();
  });

  it("rejects a field the apiserver lets through with InvalidSpec and deploys nothing", async () => {
    const bad = demo("badsize", { version: "1.0", size: "medium" });
    await apply(onboarding, bad);
    const c = await conditionOf(bad, "Deployed", "False");
    expect(c.reason).toBe("InvalidSpec");
    expect(c.message).toMatch(/spec\.size/);
    expect((await get(bad))?.status?.phase).toBe("Progressing");
    expect(await releases("badsize")).toEqual([]);
    await expectHealthyUntouched();
  });

  it("reports an unknown version as InvalidInput listing the offered versions", async () => {
    const unknown = demo("unknown", { version: "9.9" });
    await apply(onboarding, unknown);
    const c = await conditionOf(unknown, "Deployed", "False");
    expect(c.reason).toBe("InvalidInput");
    expect(c.message).toMatch(/9\.9 is not offered.*offered: 1\.0, 1\.1/);
    expect(await releases("unknown")).toEqual([]);
    await expectHealthyUntouched();
  });

  it("reports a missing kubeconfig Secret as SecretNotFound and heals when it appears", async () => {
    const obj = demo("nosecret", { version: "1.1" });
    await apply(onboarding, obj);
    const c = await conditionOf(obj, "TargetReachable", "False");
    expect(c.reason).toBe("SecretNotFound");
    expect(c.message).toContain(`Secret ${NS}/nosecret-kubeconfig not found`);
    await expectHealthyUntouched();
    await grantTarget(NS, "nosecret-kubeconfig", "mcp");
    await eventually(
      "nosecret Ready",
      async () => ((await get(obj))?.status?.phase === "Ready" ? true : undefined),
      60_000,
    );
    expect(condition(await get(obj), "TargetReachable")?.status).toBe("True");
  });

  it("reports an unreachable target, keeps the finalizer on delete, and deletes once the Secret is fixed", async () => {
    const obj = demo("unreach", { version: "1.0" });
    await grantUnreachable("unreach");
    await apply(onboarding, obj);
    const c = await conditionOf(obj, "TargetReachable", "False");
    expect(c.reason).toBe("TargetUnreachable");
    expect(c.message).toMatch(/unreachable/i);
    expect(c.message).toMatch(/ECONNREFUSED|connect/);
    await expectHealthyUntouched();

    await KubeClient.for(onboarding).delete(refOf(obj));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const terminating = await get(obj);
    expect(terminating?.metadata.deletionTimestamp).toBeDefined();
    expect(terminating?.metadata.finalizers).toContain(`${FAULTS}/finalizer`);
    expect(condition(terminating, "TargetReachable")?.status).toBe("False");

    await grantTarget(NS, "unreach-kubeconfig", "mcp");
    await eventually("unreach gone", async () => ((await get(obj)) ? undefined : true), 60_000);
    await expectHealthyUntouched();
  });

  it("deletes a unit that no longer renders by what the status recorded of it (through its plugin)", async () => {
    const obj = demo("unrendered", { version: "1.0" });
    await apply(onboarding, obj);
    await eventually(
      "unrendered Ready",
      async () => ((await get(obj))?.status?.phase === "Ready" ? true : undefined),
      90_000,
    );
    const units = ((await get(obj))?.status as { units?: unknown[] } | undefined)?.units;
    expect(units).toEqual([
      { name: "service", type: "helm", releaseName: "unrendered", namespace: NS, target: "mcp" },
    ]);
    // A version the config does not offer: the unit no longer renders, so deleting it must
    // go by the status record (its release), not by a render.
    await apply(onboarding, demo("unrendered", { version: "9.9" }));
    await conditionOf(obj, "Deployed", "False");
    await KubeClient.for(onboarding).delete(refOf(obj));
    await eventually("unrendered gone", async () => ((await get(obj)) ? undefined : true), 60_000);
    expect(await releases("unrendered")).toEqual([]);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "unrendered", namespace: NS },
    };
    expect(await read(mcp, deployment)).toBeUndefined();
    await expectHealthyUntouched();
  });

  it("reports a failing chart install as InstallFailed with helm's stderr and leaves no release pending", async () => {
    await apply(onboarding, broken);
    const c = await conditionOf(broken, "Deployed", "False", 90_000);
    expect(c.reason).toBe("InstallFailed");
    expect(c.message).toMatch(/unit broken: /);
    expect(c.message).toMatch(/INVALID_NAME/);
    // The engine retries with backoff, so a retry may be mid-install at any one moment: what
    // must hold is that every failed attempt is undone (between attempts nothing is pending).
    const statuses = await eventually("no pending release between retries", async () => {
      const now = (await releases("broken")).map((s) => s.metadata.labels?.status);
      return now.some((s) => s?.startsWith("pending")) ? undefined : now;
    });
    expect(statuses).not.toContain("deployed");
    await expectHealthyUntouched();
  });
});
