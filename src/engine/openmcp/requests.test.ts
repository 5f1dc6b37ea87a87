import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../descriptor/plan.js";
import { accessGrant, clusterGrant, parseTimestamp, renewalTime } from "./grant.js";
import {
  ADMIN_TOKEN,
  CLUSTER_ACCESS_FINALIZER,
  foreignLabel,
  INIT_RULES,
  mcpAccessRequest,
  onboardingRequests,
  runRules,
  workloadRequests,
} from "./requests.js";

const TENANT = "mcp--2bcf790e-815e-8ea9-857b-15be429583a5";
const mcp = { namespace: "default", name: "example" };

describe("onboarding requests", () => {
  it("name both requests <controller>--<local name>, label them and point the AccessRequest at the ClusterRequest", () => {
    const { clusterRequest, accessRequest } = onboardingRequests(
      "demo",
      "onboarding-init",
      "openmcp-system",
      INIT_RULES,
    );
    expect(clusterRequest).toEqual({
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "ClusterRequest",
      metadata: {
        name: "demo--onboarding-init",
        namespace: "openmcp-system",
        labels: { "openmcp.cloud/managed-by": "demo" },
      },
      spec: { purpose: "onboarding" },
    });
    expect(accessRequest).toEqual({
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "AccessRequest",
      metadata: {
        name: "demo--onboarding-init",
        namespace: "openmcp-system",
        labels: { "openmcp.cloud/managed-by": "demo" },
      },
      spec: {
        requestRef: { name: "demo--onboarding-init", namespace: "openmcp-system" },
        token: {
          permissions: [
            {
              rules: [
                {
                  apiGroups: ["apiextensions.k8s.io"],
                  resources: ["customresourcedefinitions"],
                  verbs: ["*"],
                },
              ],
            },
          ],
        },
      },
    });
  });

  it("give run its own API group, and events", () => {
    const { accessRequest } = onboardingRequests(
      "demo",
      "onboarding-run",
      "ns",
      runRules("demo.services.spe.dev"),
    );
    expect(accessRequest.metadata.name).toBe("demo--onboarding-run");
    expect((accessRequest.spec as { token: unknown }).token).toEqual({
      permissions: [
        {
          rules: [
            { apiGroups: ["demo.services.spe.dev"], resources: ["*"], verbs: ["*"] },
            { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch", "update"] },
          ],
        },
      ],
    });
  });
});

describe("MCP access request", () => {
  it("is openMCP's: name, tenant namespace, labels, finalizer, reference and permissions", () => {
    expect(mcpAccessRequest("demo", mcp)).toEqual({
      apiVersion: "clusters.openmcp.cloud/v1alpha1",
      kind: "AccessRequest",
      metadata: {
        name: "demo--example--mcp",
        namespace: TENANT,
        labels: {
          "openmcp.cloud/managed-by": "demo",
          "openmcp.cloud/managed-purpose": "default.example.mcp",
          "openmcp.cloud/onboarding-name": "example",
          "openmcp.cloud/onboarding-namespace": "default",
        },
        finalizers: ["clusters.openmcp.cloud/clusteraccess"],
      },
      spec: {
        requestRef: { name: "example", namespace: TENANT },
        token: {
          permissions: [{ rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] }],
          roleRefs: [{ name: "cluster-admin", kind: "ClusterRole" }],
        },
      },
    });
  });
});

describe("workload requests", () => {
  it("are a workload ClusterRequest and an AccessRequest to it, named <controller>--<mcp>--wl", () => {
    const { clusterRequest, accessRequest } = workloadRequests("Demo", mcp);
    expect(clusterRequest.metadata).toMatchObject({
      name: "demo--example--wl",
      namespace: TENANT,
      labels: { "openmcp.cloud/managed-purpose": "default.example.workload" },
      finalizers: [CLUSTER_ACCESS_FINALIZER],
    });
    expect(clusterRequest.spec).toEqual({ purpose: "workload" });
    expect(accessRequest.metadata.name).toBe("demo--example--wl");
    expect(accessRequest.spec).toEqual({
      requestRef: { name: "demo--example--wl", namespace: TENANT },
      token: ADMIN_TOKEN,
    });
  });
});

describe("foreignLabel", () => {
  it("names the first label that is not ours", () => {
    const ours = mcpAccessRequest("demo", mcp);
    expect(foreignLabel(ours, ours)).toBeUndefined();
    const theirs = { metadata: { labels: { "openmcp.cloud/managed-by": "flux" } } };
    expect(foreignLabel(theirs, ours)).toBe("openmcp.cloud/managed-by=flux (expected demo)");
  });
});

function request(status: Record<string, unknown>, generation = 2): KubeObject {
  return {
    apiVersion: "clusters.openmcp.cloud/v1alpha1",
    kind: "AccessRequest",
    metadata: { name: "ar", namespace: "ns", generation },
    status,
  };
}

describe("accessGrant", () => {
  it("is granted only for the current generation and with a Secret", () => {
    expect(
      accessGrant(request({ phase: "Granted", observedGeneration: 2, secretRef: { name: "s" } })),
    ).toEqual({
      state: "granted",
      secretName: "s",
    });
    expect(
      accessGrant(request({ phase: "Granted", observedGeneration: 1, secretRef: { name: "s" } })),
    ).toEqual({
      state: "pending",
      message: "AccessRequest ns/ar is granted for generation 1, not yet for 2",
    });
    expect(accessGrant(request({ phase: "Granted", observedGeneration: 2 })).state).toBe("pending");
    expect(accessGrant(request({})).state).toBe("pending");
  });

  it("says when and why it was denied", () => {
    const denied = request({
      phase: "Denied",
      conditions: [{ type: "Granted", status: "False", message: "quota exceeded" }],
    });
    expect(accessGrant(denied)).toEqual({
      state: "denied",
      message: "AccessRequest ns/ar was denied: quota exceeded",
    });
  });

  it("reads ClusterRequests by phase", () => {
    expect(clusterGrant(request({ phase: "Granted" })).state).toBe("granted");
    expect(clusterGrant(request({ phase: "Pending" })).state).toBe("pending");
    expect(clusterGrant(request({ phase: "Denied" })).state).toBe("denied");
  });
});

describe("renewalTime", () => {
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  const secret = (data: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", creationTimestamp: "2026-01-01T00:00:00Z" },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  });

  it("is at 80 % of the credential's lifetime", () => {
    const at = renewalTime(
      secret({ creationTimestamp: "2026-01-01T10:00:00Z", expirationTimestamp: "2026-01-01T20:00:00Z" }),
    );
    expect(at).toBe(Date.parse("2026-01-01T18:00:00Z"));
  });

  it("reads Unix seconds and falls back to the Secret's creation", () => {
    const created = Date.parse("2026-01-01T00:00:00Z");
    const at = renewalTime(secret({ expirationTimestamp: String((created + 100_000) / 1000) }));
    expect(at).toBe(created + 80_000);
  });

  it("is undefined for credentials that do not expire", () => {
    expect(renewalTime(secret({ kubeconfig: "x" }))).toBeUndefined();
    expect(parseTimestamp("not a time")).toBeUndefined();
  });
});
