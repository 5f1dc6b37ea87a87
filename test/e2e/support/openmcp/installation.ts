/**
 * An openMCP installation on private test clusters (platform, onboarding, mcp): openMCP's CRDs
 * from the operator's module (routed by their openmcp.cloud/cluster label), the real
 * openmcp-operator v1.3.0 running its ServiceProvider controller against the platform cluster,
 * and the two stand-ins for what cannot run here (the kubelet, a cluster provider).
 */
import { execa, type ResultPromise } from "execa";
import { createWriteStream, writeFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "../../../../src/descriptor/plan.js";
import { applyCrd } from "../../../../src/engine/descriptors/crd-manager.js";
import { KubeClient } from "../../../../src/kube/client.js";
import { KubeConfig } from "../../../../src/kube/kubeconfig.js";
import { openmcpCrdsDir } from "../../../env/build.js";
import { startEnvironment, type RunningEnvironment } from "../../../env/environment.js";
import type { ClusterRole } from "../../../env/types.js";
import { StandInClusterProvider } from "./cluster-provider.js";
import { StandInKubelet } from "./kubelet.js";

/** Where openmcp-operator deploys providers (its POD_NAMESPACE). */
export const OPERATOR_NAMESPACE = "openmcp-system";
export const ENVIRONMENT = "e2e";

export interface OpenMcpInstallation {
  env: RunningEnvironment;
  kc: Record<"platform" | "onboarding" | "mcp", KubeConfig> & { workload?: KubeConfig };
  clusterProvider: StandInClusterProvider;
  kubelet: StandInKubelet;
  /** The operator's log file. */
  operatorLog: string;
  /** Restarts the operator process (e.g. while an init Job runs). */
  restartOperator(): Promise<void>;
  /**
   * Starts openmcp-operator's ControlPlane controller (`mcp run`, the PlatformService
   * managedcontrolplane): it creates an MCP's tenant namespace and ClusterRequest, and on
   * deletion removes the kinds registered in ServiceProviders' status.resources first.
   */
  startControlPlaneController(): Promise<void>;
  stop(): Promise<void>;
}

function kubeConfig(env: RunningEnvironment, role: ClusterRole): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(env.clusters[role].kubeconfigPath);
  return kc;
}

async function installCrds(
  env: RunningEnvironment,
  kc: Pick<OpenMcpInstallation["kc"], "platform" | "onboarding">,
): Promise<void> {
  const dir = openmcpCrdsDir(env.binaries);
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), "utf8"))) {
      const crd = doc.toJS() as KubeObject | null;
      if (!crd) continue;
      const cluster =
        crd.metadata.labels?.["openmcp.cloud/cluster"] === "onboarding" ? "onboarding" : "platform";
      await applyCrd(KubeClient.for(kc[cluster]), crd);
    }
  }
}

function startOperator(env: RunningEnvironment, log: string): ResultPromise {
  const proc = execa(
    env.binaries["openmcp-operator"],
    [
      "run",
      `--environment=${ENVIRONMENT}`,
      `--kubeconfig=${env.clusters.platform.kubeconfigPath}`,
      // Only the ServiceProvider logic: no scheduler or accessrequest controller (the stand-in grants).
      "--controllers=deploymentcontroller",
      "--health-probe-bind-address=0",
      "--metrics-bind-address=0",
    ],
    { env: { POD_NAMESPACE: OPERATOR_NAMESPACE }, reject: false, all: true, buffer: false },
  );
  proc.all.pipe(createWriteStream(log, { flags: "a" }));
  return proc;
}

function startControlPlanes(env: RunningEnvironment): ResultPromise {
  const config = join(env.runDir, "managedcontrolplane.yaml");
  writeFileSync(config, "managedControlPlane:\n  mcpClusterPurpose: mcp\n");
  const proc = execa(
    env.binaries["openmcp-operator"],
    [
      "mcp",
      "run",
      `--environment=${ENVIRONMENT}`,
      `--kubeconfig=${env.clusters.platform.kubeconfigPath}`,
      "--provider-name=managedcontrolplane",
      `--config=${config}`,
      "--health-probe-bind-address=0",
      "--metrics-bind-address=0",
    ],
    { env: { POD_NAMESPACE: OPERATOR_NAMESPACE }, reject: false, all: true, buffer: false },
  );
  proc.all.pipe(createWriteStream(join(env.runDir, "managedcontrolplane.log"), { flags: "a" }));
  return proc;
}

/** With `workload`, a workload cluster of its own serves workload ClusterRequests (else the mcp cluster does). */
export async function installOpenMcp(options: { workload?: boolean } = {}): Promise<OpenMcpInstallation> {
  const roles: ClusterRole[] = [
    "platform",
    "onboarding",
    "mcp",
    ...(options.workload ? (["workload"] as const) : []),
  ];
  const env = await startEnvironment({ roles, registry: false });
  const kc: OpenMcpInstallation["kc"] = {
    platform: kubeConfig(env, "platform"),
    onboarding: kubeConfig(env, "onboarding"),
    mcp: kubeConfig(env, "mcp"),
    ...(options.workload ? { workload: kubeConfig(env, "workload") } : {}),
  };
  await installCrds(env, kc);
  await KubeClient.for(kc.platform).apply(
    { apiVersion: "v1", kind: "Namespace", metadata: { name: OPERATOR_NAMESPACE } },
    { manager: "spe-tests" },
  );
  const operatorLog = join(env.runDir, "openmcp-operator.log");
  let operator = startOperator(env, operatorLog);
  let controlPlanes: ResultPromise | undefined;
  const target = (role: ClusterRole): { kubeconfigPath: string; kc: KubeConfig } => ({
    kubeconfigPath: env.clusters[role].kubeconfigPath,
    kc: kubeConfig(env, role),
  });
  const clusterProvider = new StandInClusterProvider({
    platform: kc.platform,
    clusters: {
      onboarding: target("onboarding"),
      mcp: target("mcp"),
      workload: target(options.workload ? "workload" : "mcp"),
    },
  });
  clusterProvider.start();
  const kubelet = new StandInKubelet({
    platform: kc.platform,
    namespace: OPERATOR_NAMESPACE,
    helmWorker: env.binaries["spe-helm-worker"],
  });
  await kubelet.start();
  return {
    env,
    kc,
    clusterProvider,
    kubelet,
    operatorLog,
    restartOperator: async () => {
      operator.kill("SIGKILL");
      await operator;
      operator = startOperator(env, operatorLog);
    },
    startControlPlaneController: () => {
      controlPlanes ??= startControlPlanes(env);
      return Promise.resolve();
    },
    stop: async () => {
      controlPlanes?.kill("SIGTERM");
      await controlPlanes;
      await kubelet.stop();
      await clusterProvider.stop();
      operator.kill("SIGTERM");
      await operator;
      await env.stop();
    },
  };
}
