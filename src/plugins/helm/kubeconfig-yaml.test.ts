import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KubeConfig } from "../../kube/kubeconfig.js";
import { kubeconfigForHelm } from "./kubeconfig-yaml.js";

interface Doc {
  clusters: { cluster: Record<string, unknown> }[];
  users: { user: Record<string, unknown> }[];
  "current-context": string;
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("kubeconfigForHelm", () => {
  it("hands an in-cluster service account to client-go as its tokenFile and CA file references", () => {
    process.env.KUBERNETES_SERVICE_HOST = "10.0.0.1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    const kc = new KubeConfig();
    kc.loadFromCluster("/nonexistent");
    const doc = parse(kubeconfigForHelm(kc)) as Doc;
    expect(doc.users[0]?.user).toEqual({
      tokenFile: "/nonexistent/var/run/secrets/kubernetes.io/serviceaccount/token",
    });
    expect(doc.clusters[0]?.cluster).toEqual({
      server: "https://10.0.0.1:443",
      "certificate-authority": "/nonexistent/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
    });
    expect(doc["current-context"]).toBe("inClusterContext");
  });

  it("keeps inline credentials inline", () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: "https://example:6443", caData: "Q0E=" }],
      users: [{ name: "u", certData: "Y2VydA==", keyData: "a2V5" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const doc = parse(kubeconfigForHelm(kc)) as Doc;
    expect(doc.users[0]?.user).toEqual({ "client-certificate-data": "Y2VydA==", "client-key-data": "a2V5" });
    expect(doc.clusters[0]?.cluster["certificate-authority-data"]).toBe("Q0E=");
  });
});
