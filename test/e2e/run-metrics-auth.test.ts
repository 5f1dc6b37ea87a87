/**
 * Secure metrics against the real platform apiserver: the runtime's metrics server speaks
 * TLS and answers /metrics only to a bearer token the platform cluster authenticates
 * (TokenReview) whose user may `get` the non-resource URL /metrics (SubjectAccessReview):
 * no token or an unknown one is 401, a ServiceAccount without the right 403, one bound to
 * a metrics-reader ClusterRole gets the metrics. The probes' server stays plain HTTP.
 */
import { randomBytes } from "node:crypto";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/engine/runtime/logger.js";
import { startRuntime, type Runtime } from "../../src/engine/runtime/runtime.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor } from "./support/env.js";
import { serviceAccountToken, servingCertificate } from "./support/tokens.js";

const NS = `metrics-auth-${randomBytes(3).toString("hex")}`;
const READER = `${NS}-metrics-reader`;
let runtime: Runtime;
let ca = "";
let reader = "";
let nosy = "";

interface Answer {
  status: number;
  body: string;
}

function fetchSecure(port: number, path: string, token?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    httpsGet({ host: "127.0.0.1", port, path, ca, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    }).on("error", reject);
  });
}

function fetchPlain(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpGet({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    }).on("error", reject);
  });
}

const platform = (): KubeClient => KubeClient.for(kubeConfigFor("platform"));

beforeAll(async () => {
  const serving = await servingCertificate();
  ca = serving.ca;
  await platform().apply(
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: READER },
      rules: [{ nonResourceURLs: ["/metrics"], verbs: ["get"] }],
    },
    { manager: "e2e", force: true },
  );
  reader = await serviceAccountToken("platform", NS, "scraper", { clusterRole: READER });
  // Bound to a role that grants no /metrics.
  nosy = await serviceAccountToken("platform", NS, "nosy", { clusterRole: "system:basic-user" });
  runtime = await startRuntime({
    platform: kubeConfigFor("platform"),
    onboarding: kubeConfigFor("onboarding"),
    logger: createLogger({ level: "silent" }),
    descriptors: [],
    processMetrics: false,
    ops: [
      { host: "127.0.0.1", port: 0 },
      {
        host: "127.0.0.1",
        port: 0,
        secure: { cert: Buffer.from(serving.cert), key: Buffer.from(serving.key) },
      },
    ],
  });
});

afterAll(async () => {
  await runtime.stop();
  for (const name of [`${NS}-scraper`, `${NS}-nosy`])
    await platform().delete({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name });
  await platform().delete({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: READER });
  await platform().delete({ apiVersion: "v1", kind: "Namespace", name: NS });
});

describe("secure metrics", () => {
  it("answer /metrics only to a token whose user may get /metrics", async () => {
    const port = runtime.opsPorts[1]!;
    expect((await fetchSecure(port, "/metrics")).status).toBe(401);
    expect((await fetchSecure(port, "/metrics", "not-a-token")).status).toBe(401);
    const denied = await fetchSecure(port, "/metrics", nosy);
    expect(denied.status).toBe(403);
    expect(denied.body).toContain(`system:serviceaccount:${NS}:nosy`);
    expect(denied.body).not.toContain(nosy);
    const allowed = await fetchSecure(port, "/metrics", reader);
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain("# HELP");
  });

  it("speak TLS only, while the probes' server stays plain HTTP", async () => {
    await expect(fetchPlain(runtime.opsPorts[1]!, "/metrics")).rejects.toThrow();
    expect((await fetchPlain(runtime.opsPorts[0]!, "/healthz")).status).toBe(200);
    const plain = await fetchPlain(runtime.opsPorts[0]!, "/metrics");
    expect(plain.status).toBe(200);
  });
});
