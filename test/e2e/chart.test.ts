/**
 * The Helm chart that installs spe (charts/spe), checked with the real helm
 * binary and the real platform kube-apiserver: it lints clean, renders with
 * default and production values, every rendered object is accepted by a
 * server-side-apply dry-run, the values schema rejects bad values, and the
 * RBAC stays least-privilege.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { apply, eventually, hasCondition, read } from "./support/kube.js";

const root = join(import.meta.dirname, "../..");
const chart = join(root, "charts/spe");
const NAMESPACE = "spe-chart";
const TENANTS = ["spe-chart-tenant-a", "spe-chart-tenant-b"];
const MANAGER = "spe-chart-test";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}
type Rbac = KubeObject & { rules?: Rule[]; roleRef?: { kind: string; name: string } };
type Container = {
  args: string[];
  securityContext: Record<string, unknown>;
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: { requests?: object; limits?: object };
  ports: { name: string; containerPort: number }[];
};
type PodSpec = {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: object; secret?: { secretName: string } }[];
};

function helm(args: string[]): Promise<{ exitCode?: number; stdout: string; stderr: string }> {
  return execa(testEnv().binaries.helm, args, { reject: false, env: { HELM_CACHE_HOME: scratch("cache") } });
}

let scratchDir: string | undefined;
function scratch(name: string): string {
  scratchDir ??= mkdtempSync(join(tmpdir(), "spe-chart-"));
  return join(scratchDir, name);
}

function writeValues(name: string, values: object): string {
  const file = scratch(`${name}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** Production values: 2 replicas, ServiceMonitor, onboarding from a Secret, two descriptors from providers/. */
function productionValues(extra: object = {}): string {
  const descriptor = (name: string): string =>
    readFileSync(join(root, "providers", name, "descriptor.yaml"), "utf8");
  return writeValues("production", {
    replicas: 2,
    metrics: { serviceMonitor: { enabled: true, labels: { release: "prometheus" } } },
    onboarding: { kubeconfigSecret: { name: "spe-onboarding", key: "kubeconfig" } },
    rbac: { tenantNamespaces: TENANTS },
    descriptors: { demo: descriptor("demo"), flux: descriptor("flux") },
    ...extra,
  });
}

async function render(...args: string[]): Promise<KubeObject[]> {
  const result = await helm(["template", "spe", chart, "--namespace", NAMESPACE, ...args]);
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as KubeObject | null)
    .filter((obj): obj is KubeObject => obj !== null);
}

function only(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0]!;
}

function podSpec(objects: KubeObject[]): PodSpec {
  const deployment = only(objects, "Deployment") as KubeObject & { spec: { template: { spec: PodSpec } } };
  return deployment.spec.template.spec;
}

/** Every rule of the ClusterRoles that ClusterRoleBindings grant cluster-wide. */
function clusterWideRules(objects: KubeObject[]): Rule[] {
  const bound = new Set(
    objects.filter((o) => o.kind === "ClusterRoleBinding").map((o) => (o as Rbac).roleRef?.name),
  );
  return objects
    .filter((o) => o.kind === "ClusterRole" && bound.has(o.metadata.name))
    .flatMap((o) => (o as Rbac).rules ?? []);
}

const grantsSecrets = (rule: Rule): boolean =>
  (rule.apiGroups ?? []).includes("") && (rule.resources ?? []).some((r) => r === "secrets" || r === "*");

/** The RBAC invariants every configuration keeps. */
function expectLeastPrivilege(objects: KubeObject[], descriptorGroups: string[]): void {
  const roles = objects.filter((o) => o.kind === "ClusterRole" || o.kind === "Role") as Rbac[];
  expect(roles.length).toBeGreaterThan(0);
  for (const rule of roles.flatMap((r) => r.rules ?? [])) {
    expect(rule.verbs, JSON.stringify(rule)).not.toContain("*");
    expect(rule.apiGroups ?? [], JSON.stringify(rule)).not.toContain("*");
    if (rule.resources?.includes("*")) {
      // `*` resources only within the API groups the descriptors serve.
      for (const group of rule.apiGroups ?? []) expect(descriptorGroups).toContain(group);
    }
  }
  for (const binding of objects.filter((o) => o.kind.endsWith("Binding")) as Rbac[]) {
    expect(binding.roleRef?.name).not.toMatch(/^(cluster-admin|admin|edit)$/);
  }
}

describe("charts/spe", () => {
  beforeAll(async () => {
    const kc = kubeConfigFor("platform");
    for (const name of [NAMESPACE, ...TENANTS]) {
      await apply(kc, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    }
    // The ServiceMonitor kind must exist before a ServiceMonitor can be dry-run.
    const crd = parse(
      readFileSync(join(root, "test/fixtures/crds/servicemonitor.yaml"), "utf8"),
    ) as KubeObject;
    await apply(kc, crd);
    await eventually("ServiceMonitor CRD Established", async () => {
      const live = await read(kc, crd);
      return hasCondition(live, "Established") ? live : undefined;
    });
  });

  afterAll(async () => {
    const client = KubeClient.for(kubeConfigFor("platform"));
    for (const name of [NAMESPACE, ...TENANTS])
      await client.delete({ apiVersion: "v1", kind: "Namespace", name });
    await client.delete({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: "servicemonitors.monitoring.coreos.com",
    });
  });

  it("lints clean, also with --strict and with production values", async () => {
    for (const args of [[], ["--strict"], ["--strict", "-f", productionValues()]]) {
      const result = await helm(["lint", chart, ...args]);
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
      expect(result.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it("renders a hardened single-replica Deployment with default values", async () => {
    const objects = await render();
    const kinds = new Set(objects.map((o) => o.kind));
    expect(kinds).toEqual(
      new Set([
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
        "Secret",
      ]),
    );
    const pod = podSpec(objects);
    const [container] = pod.containers;
    expect(container!.args).toEqual(
      expect.arrayContaining(["run", `--descriptor-namespace=${NAMESPACE}`, "--ops-port=8080"]),
    );
    expect(container!.args.some((a) => a.startsWith("--leader-elect"))).toBe(false);
    expect(container!.args.some((a) => a.startsWith("--onboarding-kubeconfig"))).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container!.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container!.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "ops" });
    expect(container!.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "ops" });
    expect(container!.ports).toEqual([
      expect.objectContaining({ name: "ops", containerPort: 8080 }),
      expect.objectContaining({ name: "metrics", containerPort: 8443 }),
    ]);
    // Secure metrics by default: TLS from the chart's own certificate, for callers allowed get /metrics.
    expect(container!.args).toEqual(
      expect.arrayContaining([
        "--health-addr=:8080",
        "--metrics-addr=:8443",
        "--metrics-secure=true",
        "--metrics-cert-dir=/etc/spe/metrics-tls",
      ]),
    );
    expect(container!.volumeMounts).toContainEqual({
      name: "metrics-tls",
      mountPath: "/etc/spe/metrics-tls",
      readOnly: true,
    });
    const tls = only(objects, "Secret", "spe-metrics-tls") as KubeObject & {
      type: string;
      data: Record<string, string>;
    };
    expect(tls.type).toBe("kubernetes.io/tls");
    expect(Buffer.from(tls.data["tls.crt"]!, "base64").toString()).toContain("BEGIN CERTIFICATE");
    const engineRole = objects.find(
      (o) => o.kind === "ClusterRole" && o.metadata.name === `${NAMESPACE}-spe`,
    ) as Rbac;
    expect(engineRole.rules).toEqual(
      expect.arrayContaining([
        { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
        { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
      ]),
    );
    expect(only(objects, "ClusterRole", `${NAMESPACE}-spe-metrics-reader`)).toMatchObject({
      rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }],
    });
    expect(only(objects, "Service")).toMatchObject({
      spec: { ports: [{ name: "metrics", port: 8443, targetPort: "metrics" }] },
    });
    expect(container!.resources.requests).toBeDefined();
    expect(container!.resources.limits).toBeDefined();
    // helm needs a writable /tmp on the read-only root filesystem.
    expect(container!.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(pod.volumes.find((v) => v.name === "tmp")?.emptyDir).toBeDefined();
  });

  it("renders production values: leader election, PDB, ServiceMonitor, onboarding Secret, descriptor ConfigMaps", async () => {
    const objects = await render("-f", productionValues());
    const container = podSpec(objects).containers[0]!;
    expect(container.args).toEqual(
      expect.arrayContaining([
        "--leader-elect=true",
        `--leader-namespace=${NAMESPACE}`,
        "--onboarding-kubeconfig=/etc/spe/onboarding/kubeconfig",
      ]),
    );
    expect(container.volumeMounts).toContainEqual({
      name: "onboarding-kubeconfig",
      mountPath: "/etc/spe/onboarding",
      readOnly: true,
    });
    expect(podSpec(objects).volumes.find((v) => v.name === "onboarding-kubeconfig")?.secret).toMatchObject({
      secretName: "spe-onboarding",
    });
    expect(only(objects, "PodDisruptionBudget")).toMatchObject({ spec: { minAvailable: 1 } });
    expect(only(objects, "ServiceMonitor")).toMatchObject({
      metadata: { labels: { release: "prometheus" } },
      spec: { endpoints: [{ port: "metrics", path: "/metrics", scheme: "https" }] },
    });
    for (const name of ["demo", "flux"]) {
      const cm = only(objects, "ConfigMap", `spe-descriptor-${name}`) as KubeObject & { data: object };
      expect(cm.metadata.labels?.["spe.dev/descriptor"]).toBe("true");
      expect(cm.data).toEqual({
        "descriptor.yaml": readFileSync(join(root, "providers", name, "descriptor.yaml"), "utf8"),
      });
    }
    // The lease rules exist only with leader election, and get/update only on spe's own Lease.
    const role = only(objects, "Role") as Rbac;
    expect(role.rules).toContainEqual({
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: ["spe-leader"],
      verbs: ["get", "update"],
    });
    // A separate onboarding cluster: its RBAC is the operator's job, not rendered here.
    expect(objects.some((o) => o.metadata.name.endsWith("-onboarding"))).toBe(false);
  });

  it.each([
    ["default values", [] as string[]],
    ["production values", ["production"]],
  ])(
    "the platform apiserver accepts every object rendered with %s (server-side apply dry-run)",
    async (_, mode) => {
      const objects = await render(...(mode.length ? ["-f", productionValues()] : []));
      const client = KubeClient.for(kubeConfigFor("platform"));
      for (const obj of objects) {
        const accepted = await client.apply(obj, { manager: MANAGER, dryRun: true, force: true });
        expect(accepted.metadata.name).toBe(obj.metadata.name);
        expect(accepted.kind).toBe(obj.kind);
      }
      // The Deployment is stored as rendered (no field dropped as unknown), its security settings intact.
      const deployment = await client.apply(only(objects, "Deployment"), { manager: MANAGER, dryRun: true });
      expect(deployment).toMatchObject({
        spec: { template: { spec: { securityContext: { runAsNonRoot: true } } } },
      });
      if (mode.length) expect(objects.map((o) => o.kind)).toContain("ServiceMonitor");
    },
  );

  it("rejects a value of the wrong type, and unknown keys, with helm's schema message", async () => {
    const bad = await helm([
      "template",
      "spe",
      chart,
      "-f",
      writeValues("bad", { replicas: "two", replica: 2 }),
    ]);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain("values don't meet the specifications of the schema");
    expect(bad.stderr).toContain("at '/replicas': got string, want integer");
    expect(bad.stderr).toContain("additional properties 'replica' not allowed");
    const level = await helm(["template", "spe", chart, "--set", "engine.logLevel=loud"]);
    expect(level.exitCode).not.toBe(0);
    expect(level.stderr).toContain("at '/engine/logLevel'");
  });

  it("grants least privilege: no * verbs, * resources only in descriptor groups, Secrets only per tenant namespace", async () => {
    const groups = ["demo.services.spe.dev", "flux.services.open-control-plane.io"];
    for (const objects of [await render(), await render("-f", productionValues())]) {
      expectLeastPrivilege(objects, groups);
      expect(clusterWideRules(objects).filter(grantsSecrets)).toEqual([]);
    }
    const production = await render("-f", productionValues());
    // Descriptors given in values add their API groups; reading them is all the platform ClusterRole allows.
    expect(clusterWideRules(production)).toContainEqual({
      apiGroups: groups,
      resources: ["*"],
      verbs: ["get", "list", "watch"],
    });
    // ...and writing their status subresources (configs' status).
    expect(clusterWideRules(production)).toContainEqual({
      apiGroups: groups,
      resources: ["*/status"],
      verbs: ["patch"],
    });
    const tenantBindings = production.filter(
      (o) => o.kind === "RoleBinding" && o.metadata.namespace !== NAMESPACE,
    );
    expect(tenantBindings.map((b) => b.metadata.namespace).sort()).toEqual(TENANTS);

    const wide = await render("-f", productionValues(), "--set", "rbac.secretsClusterWide=true");
    expectLeastPrivilege(wide, groups);
    expect(clusterWideRules(wide).filter(grantsSecrets)).toHaveLength(1);
    expect(wide.some((o) => o.kind === "RoleBinding" && TENANTS.includes(o.metadata.namespace ?? ""))).toBe(
      false,
    );
  });

  it("grants reads of copy sources only in rbac.copySourceNamespaces, one RoleBinding each, none twice", async () => {
    const sources = [TENANTS[0] ?? "", "openmcp-system"];
    const objects = await render(
      "-f",
      productionValues(),
      "--set",
      `rbac.copySourceNamespaces={${sources.join(",")}}`,
    );
    expectLeastPrivilege(objects, ["demo.services.spe.dev", "flux.services.open-control-plane.io"]);
    expect(clusterWideRules(objects).filter(grantsSecrets)).toEqual([]);
    const bindings = objects.filter((o) => o.kind === "RoleBinding" && o.metadata.namespace !== NAMESPACE);
    expect(bindings.map((b) => b.metadata.namespace).sort()).toEqual(
      [...new Set([...TENANTS, ...sources])].sort(),
    );
    const role = only(objects, "ClusterRole", (bindings[0] as Rbac).roleRef?.name);
    expect((role as Rbac).rules).toEqual([
      { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get", "list", "watch"] },
    ]);
  });

  it("grants the same-cluster onboarding RBAC by default: patch on the descriptor groups only", async () => {
    const objects = await render("--set", "rbac.apiGroups={demo.services.spe.dev}");
    const onboarding = only(objects, "ClusterRole", `${NAMESPACE}-spe-onboarding`) as Rbac;
    expect(onboarding.rules).toEqual([
      { apiGroups: ["demo.services.spe.dev"], resources: ["*"], verbs: ["patch"] },
    ]);
    only(objects, "ClusterRoleBinding", `${NAMESPACE}-spe-onboarding`);
  });

  it("takes a descriptor with separate schema files as a map, and grants AccessRequests for openMCP access", async () => {
    const files = ["descriptor.yaml", "api.schema.yaml", "config.schema.yaml"];
    const text = (file: string): string => readFileSync(join(root, "providers/crossplane", file), "utf8");
    const values = writeValues("crossplane", {
      descriptors: { crossplane: Object.fromEntries(files.map((f) => [f, text(f)])) },
    });
    const objects = await render("-f", values);
    const cm = only(objects, "ConfigMap", "spe-descriptor-crossplane") as KubeObject & { data: object };
    expect(cm.data).toEqual(Object.fromEntries(files.map((f) => [f, text(f)])));
    const rules = clusterWideRules(objects);
    expect(rules).toContainEqual({
      apiGroups: ["crossplane.services.open-control-plane.io"],
      resources: ["*"],
      verbs: ["get", "list", "watch"],
    });
    expect(rules).toContainEqual({
      apiGroups: ["clusters.openmcp.cloud"],
      resources: ["accessrequests"],
      verbs: ["get", "list", "watch"],
    });
    expectLeastPrivilege(objects, ["crossplane.services.open-control-plane.io"]);
    const client = KubeClient.for(kubeConfigFor("platform"));
    for (const obj of objects) await client.apply(obj, { manager: MANAGER, dryRun: true, force: true });
    // Without openMCP access, AccessRequests stay out of reach.
    expect(JSON.stringify(await render())).not.toContain("accessrequests");
  });

  it("ships an onboarding RBAC example the onboarding apiserver accepts", async () => {
    const text = readFileSync(join(chart, "onboarding-rbac.yaml"), "utf8");
    const objects = parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
    expect(objects.map((o) => o.kind)).toEqual(["ClusterRole", "ClusterRoleBinding"]);
    const client = KubeClient.for(kubeConfigFor("onboarding"));
    for (const obj of objects) await client.apply(obj, { manager: MANAGER, dryRun: true, force: true });
    for (const rule of (objects[0] as Rbac).rules ?? []) expect(rule.verbs).not.toContain("*");
  });
});
