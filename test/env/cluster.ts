/**
 * One cluster of the test environment: a kube-apiserver (own etcd prefix),
 * and for clusters that run workloads also kube-controller-manager,
 * kube-scheduler and kwok with one fake node, so Deployments become Available.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import type { BinaryPaths, ClusterInfo } from "./types.js";
import type { Pki, PkiPem } from "./pki.js";
import { freePort } from "./ports.js";
import { startProcess, type ManagedProcess } from "./processes.js";
import { waitHealthy } from "./wait.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { kwokStagesFile } from "./build.js";

export interface ClusterSpec {
  name: string;
  workloads: boolean;
}

export interface ClusterDeps {
  binaries: BinaryPaths;
  pki: Pki;
  pem: PkiPem;
  etcdUrl: string;
  runDir: string;
  progress: (line: string) => void;
}

export interface RunningCluster {
  info: ClusterInfo;
  processes: ManagedProcess[];
}

function apiserverArgs(spec: ClusterSpec, port: number, deps: ClusterDeps): string[] {
  const { pki } = deps;
  return [
    `--etcd-servers=${deps.etcdUrl}`,
    `--etcd-prefix=/spe-testenv/${spec.name}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--allow-privileged=true",
    "--profiling=false",
    // the kubernetes Service endpoint cannot point at loopback, and nothing in-cluster needs it
    "--endpoint-reconciler-type=none",
    `--cert-dir=${join(deps.runDir, spec.name, "certs")}`,
  ];
}

async function startApiserver(
  spec: ClusterSpec,
  deps: ClusterDeps,
  dir: string,
): Promise<[ManagedProcess, string]> {
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const proc = startProcess(
    `${spec.name}/kube-apiserver`,
    deps.binaries["kube-apiserver"],
    apiserverArgs(spec, port, deps),
    join(dir, "kube-apiserver.log"),
  );
  await waitHealthy(proc, `${server}/readyz`, deps.pem);
  return [proc, server];
}

async function startWorkloadControllers(
  spec: ClusterSpec,
  deps: ClusterDeps,
  dir: string,
  kubeconfig: string,
): Promise<ManagedProcess[]> {
  const common = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    // kwokctl's --disable-qps-limits: with client-side limits of 20 (controller-manager) and 50
    // (scheduler) requests per second, these clusters themselves needed 110 s to make 500
    // Deployments Available, however fast the controller creating them; they are test clusters.
    "--kube-api-qps=5000",
    "--kube-api-burst=10000",
  ];
  const [kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const kcm = startProcess(
    `${spec.name}/kube-controller-manager`,
    deps.binaries["kube-controller-manager"],
    [
      ...common,
      `--secure-port=${kcmPort}`,
      `--root-ca-file=${deps.pki.caCert}`,
      `--service-account-private-key-file=${deps.pki.serviceAccountKey}`,
      "--use-service-account-credentials=false",
      "--concurrent-deployment-syncs=10",
      "--concurrent-replicaset-syncs=10",
    ],
    join(dir, "kube-controller-manager.log"),
  );
  const scheduler = startProcess(
    `${spec.name}/kube-scheduler`,
    deps.binaries["kube-scheduler"],
    [...common, `--secure-port=${schedPort}`],
    join(dir, "kube-scheduler.log"),
  );
  const kwok = startProcess(
    `${spec.name}/kwok`,
    deps.binaries.kwok,
    [
      `--kubeconfig=${kubeconfig}`,
      `--config=${kwokStagesFile(deps.binaries)}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      // The heartbeat-with-lease stage refreshes node status rarely; kwok must renew the node Lease,
      // or the node lifecycle controller marks the node NotReady and every pod unready after ~40 s.
      "--node-lease-duration-seconds=40",
      `--server-address=127.0.0.1:${kwokPort}`,
    ],
    join(dir, "kwok.log"),
  );
  await createFakeNode(deps.binaries.kubectl, kubeconfig, dir);
  deps.progress(`test/env: ${spec.name}: fake node registered`);
  await Promise.all([
    waitHealthy(kcm, `https://127.0.0.1:${kcmPort}/healthz`),
    waitHealthy(scheduler, `https://127.0.0.1:${schedPort}/healthz`),
    waitHealthy(kwok, `http://127.0.0.1:${kwokPort}/healthz`),
  ]);
  return [kcm, scheduler, kwok];
}

const FAKE_NODE = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: "kwok-node-0",
    annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
    labels: {
      "kubernetes.io/hostname": "kwok-node-0",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      type: "kwok",
    },
  },
  status: {
    allocatable: { cpu: "64", memory: "256Gi", pods: "5000" },
    capacity: { cpu: "64", memory: "256Gi", pods: "5000" },
  },
};

async function createFakeNode(kubectl: string, kubeconfig: string, dir: string): Promise<void> {
  const file = join(dir, "node.json");
  await writeFile(file, JSON.stringify(FAKE_NODE));
  await execa(kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", file]);
}

export async function startCluster(spec: ClusterSpec, deps: ClusterDeps): Promise<RunningCluster> {
  const dir = join(deps.runDir, spec.name);
  await mkdir(dir, { recursive: true });
  const [apiserver, server] = await startApiserver(spec, deps, dir);
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeKubeconfig(kubeconfigPath, spec.name, server, deps.pem);
  deps.progress(`test/env: ${spec.name}: kube-apiserver ready at ${server}`);
  const processes = [apiserver];
  if (spec.workloads) {
    processes.push(...(await startWorkloadControllers(spec, deps, dir, kubeconfigPath)));
    deps.progress(`test/env: ${spec.name}: controller-manager, scheduler and kwok ready`);
  }
  return { info: { name: spec.name, server, kubeconfigPath, workloads: spec.workloads }, processes };
}
