/** Objects and helpers the openMCP e2e tests share: the ServiceProvider for spe, the demo provider's objects, timings. */
import type { KubeObject } from "../../../../src/descriptor/plan.js";
import { KubeClient } from "../../../../src/kube/client.js";
import type { KubeConfig } from "../../../../src/kube/kubeconfig.js";

export const SP_NAME = "demo";
export const API_GROUP = "demo.services.spe.dev";

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
export interface SpStatus {
  phase?: string;
  conditions?: Condition[];
  resources?: { group: string; version: string; kind: string }[];
}

export function condition(
  status: { conditions?: Condition[] } | undefined,
  type: string,
): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * The ServiceProvider for spe's demo descriptor. Each "pod" of the kubelet stand-in shares the
 * host's network, so /metrics and the health endpoints get a free port instead of 8080.
 */
export function serviceProvider(
  port: number,
  env: { name: string; value: string }[] = [],
  name: string = SP_NAME,
): KubeObject {
  return {
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ServiceProvider",
    metadata: { name },
    spec: {
      image: "ghcr.io/spe-dev/spe:0.1.0",
      verbosity: "DEBUG",
      env: [{ name: "SPE_OPS_PORT", value: String(port) }, ...env],
      metrics: { port },
    },
  };
}

export async function applyObject(kc: KubeConfig, obj: KubeObject): Promise<KubeObject> {
  return KubeClient.for(kc).apply(obj, { manager: "spe-tests", force: true });
}

/** The ServiceProvider's status (empty before the operator wrote one); undefined when it does not exist. */
export async function spStatus(platform: KubeConfig, name: string = SP_NAME): Promise<SpStatus | undefined> {
  const sp = await KubeClient.for(platform).get({
    apiVersion: "openmcp.cloud/v1alpha1",
    kind: "ServiceProvider",
    name,
  });
  return sp ? (sp.status ?? {}) : undefined;
}

/** The MCP's ClusterRequest, as the ControlPlane controller creates it in the tenant namespace. */
export function mcpClusterRequest(tenant: string, mcp: string): KubeObject {
  return {
    apiVersion: "clusters.openmcp.cloud/v1alpha1",
    kind: "ClusterRequest",
    metadata: { name: mcp, namespace: tenant },
    spec: { purpose: "mcp", waitForClusterDeletion: true },
  };
}

export function demoConfig(): KubeObject {
  return {
    apiVersion: `${API_GROUP}/v1alpha1`,
    kind: "ProviderConfig",
    metadata: { name: SP_NAME },
    spec: {
      pollInterval: "1m",
      versions: [{ version: "1.0", image: "registry.invalid/demo-service:1.0.0" }],
    },
  };
}

export function demoService(namespace: string, name: string): KubeObject {
  return {
    apiVersion: `${API_GROUP}/v1alpha1`,
    kind: "DemoService",
    metadata: { name, namespace },
    spec: { version: "1.0" },
  };
}

/** Each validation step's time, printed when the file ends (the report quotes them). */
export class Timings {
  private readonly steps: { step: string; seconds: number; ok: boolean }[] = [];

  async step<T>(step: string, run: () => Promise<T>): Promise<T> {
    const started = Date.now();
    let ok = false;
    try {
      const value = await run();
      ok = true;
      return value;
    } finally {
      this.steps.push({ step, seconds: (Date.now() - started) / 1000, ok });
    }
  }

  print(): void {
    for (const s of this.steps)
      console.log(`openmcp e2e: ${s.ok ? "ok  " : "FAIL"} ${s.seconds.toFixed(1).padStart(6)} s  ${s.step}`);
  }
}
