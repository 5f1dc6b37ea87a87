/**
 * A kubeconfig's impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`) and its
 * `proxy-url` hold for both of spe's processes against a real apiserver: spe's own client
 * (the SelfSubjectReview names the impersonated identity, not the admin certificate's) and
 * the helm worker (an install as a user who may only read is refused in that user's name; a
 * proxied install shows Go's CONNECTs at the proxy).
 */
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { KubeClient } from "../../src/kube/client.js";
import { request } from "../../src/kube/http.js";
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { kubeconfigForHelm } from "../../src/plugins/helm/kubeconfig-yaml.js";
import { HelmWorker, latestRelease } from "../../src/plugins/helm/index.js";
import { type ForwardProxy, startForwardProxy } from "../support/forward-proxy.js";
import { kubeConfigFor, testEnv } from "./support/env.js";

const id = randomBytes(3).toString("hex");
const ns = `impersonate-${id}`;
const USER = `alice-${id}`;
let chartDir = "";
let proxy: ForwardProxy;
const worker = new HelmWorker({ path: testEnv().binaries["spe-helm-worker"] });
const admin = (): KubeClient => KubeClient.for(kubeConfigFor("platform"));

/** The platform's admin kubeconfig with `user` and `cluster` fields added. */
function variant(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): KubeConfig {
  const base = JSON.parse(kubeConfigFor("platform").exportConfig()) as {
    clusters: { cluster: Record<string, unknown> }[];
    users: { user: Record<string, unknown> }[];
  };
  for (const c of base.clusters) Object.assign(c.cluster, cluster);
  for (const u of base.users) Object.assign(u.user, user);
  const kc = new KubeConfig();
  kc.loadFromString(stringify(base));
  return kc;
}

const impersonating = (): KubeConfig =>
  variant({
    as: USER,
    "as-uid": "uid-1",
    "as-groups": ["team-a"],
    "as-user-extra": { "reason.example.com/why": ["audit"] },
  });

function install(kc: KubeConfig, release: string): Promise<unknown> {
  return worker.call(
    "upgradeInstall",
    {
      kubeconfig: kubeconfigForHelm(kc),
      release,
      namespace: ns,
      chart: { path: chartDir },
      values: "{}",
      existing: "none",
    },
    { failure: "InstallFailed", what: `install ${release}` },
  );
}

beforeAll(async () => {
  chartDir = join(await mkdtemp(join(tmpdir(), "spe-e2e-imp-")), "cm");
  await mkdir(join(chartDir, "templates"), { recursive: true });
  await writeFile(join(chartDir, "Chart.yaml"), "apiVersion: v2\nname: cm\nversion: 1.0.0\n");
  await writeFile(
    join(chartDir, "templates", "cm.yaml"),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Release.Name }}"\ndata:\n  a: "1"\n',
  );
  const client = admin();
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, { manager: "test" });
  // The impersonated user may read what helm reads, and write nothing.
  await client.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "read", namespace: ns },
      rules: [{ apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get", "list", "watch"] }],
    },
    { manager: "test" },
  );
  await client.apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "read", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: USER }],
    },
    { manager: "test" },
  );
  proxy = await startForwardProxy();
  await worker.start();
});

afterAll(async () => {
  await worker.stop();
  await proxy.close();
  await admin().delete({ apiVersion: "v1", kind: "Namespace", name: ns });
  await rm(join(chartDir, ".."), { recursive: true, force: true });
});

describe("impersonation", () => {
  it("spe's client acts as the impersonated user: the SelfSubjectReview names it", async () => {
    const review = (await request(impersonating(), {
      method: "POST",
      path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    })) as { status: { userInfo: Record<string, unknown> } };
    expect(review.status.userInfo).toEqual({
      username: USER,
      uid: "uid-1",
      groups: ["team-a", "system:authenticated"],
      extra: { "reason.example.com/why": ["audit"] },
    });
  });

  it("spe's client has only the impersonated user's rights", async () => {
    const client = KubeClient.for(impersonating());
    await expect(client.list("v1", "ConfigMap", { namespace: ns })).resolves.toBeDefined();
    await expect(
      client.create(
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: ns } },
        { manager: "test" },
      ),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("the helm worker acts as the impersonated user: its install is refused in that user's name", async () => {
    const err: unknown = await install(impersonating(), "denied").catch((e: unknown) => e);
    expect(String(err)).toContain(`User "${USER}" cannot create resource`);
    expect(await latestRelease(admin(), ns, "denied")).toBeUndefined();
  });
});

describe("proxy-url", () => {
  it("spe's client and the helm worker both connect through the cluster's proxy", async () => {
    const server = new URL(testEnv().clusters.platform.server);
    const kc = variant({}, { "proxy-url": proxy.url });
    await request(kc, { method: "GET", path: "/version" });
    const nodeConnects = proxy.seen.length;
    expect(nodeConnects).toBeGreaterThan(0);
    expect(new Set(proxy.seen)).toEqual(new Set([server.host]));
    await install(kc, "proxied");
    expect((await latestRelease(admin(), ns, "proxied"))?.status).toBe("deployed");
    const goConnects = proxy.userAgents.filter((ua) => ua.startsWith("Go-http-client"));
    expect(goConnects.length).toBeGreaterThan(0);
    expect(new Set(proxy.seen)).toEqual(new Set([server.host]));
  });
});
