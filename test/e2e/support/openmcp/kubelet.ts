/**
 * A stand-in for the kubelet, for tests only, and only for what openmcp-operator creates for a
 * ServiceProvider: its init Job and its Deployment, in one namespace of the platform cluster
 * (which runs no kubelet). It runs the pod's one container as a local process: the image's
 * entrypoint is spe (`tsx src/cli/main.ts`, whatever the image name), with the container's args
 * and env (downward-API fields filled in as a kubelet would), KUBERNETES_SERVICE_HOST/PORT of
 * the platform cluster, and the pod's service account (a TokenRequest token, the CA, the
 * namespace) in a directory spe is told about with SPE_SERVICE_ACCOUNT_DIR. The spe-helm-worker
 * the image carries is put on PATH. Then it writes the Job's or Deployment's status from the
 * process's fate: Job succeeded or failed (after backoffLimit retries), Deployment replicas
 * available while the process runs, restarted with backoff when it exits.
 * Nothing else of a kubelet is here: no images, probes, volumes, resources or pods.
 */
import { execa, type ResultPromise } from "execa";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeObject } from "../../../../src/descriptor/plan.js";
import { KubeClient } from "../../../../src/kube/client.js";
import type { KubeConfig } from "../../../../src/kube/kubeconfig.js";

const repoRoot = resolve(import.meta.dirname, "../../../..");

export interface KubeletOptions {
  /** Admin access to the platform cluster. */
  platform: KubeConfig;
  /** The namespace openmcp-operator deploys into (its POD_NAMESPACE). */
  namespace: string;
  /** spe-helm-worker, which the image has on PATH. */
  helmWorker: string;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  command?: string[];
  args?: string[];
  env?: EnvVar[];
}
interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
}

export interface StartedPod {
  owner: string;
  pod: string;
  args: string[];
  log: string;
  exitCode?: number;
}

/** One running "pod": a process and where its logs go. */
interface Pod {
  name: string;
  proc: ResultPromise;
  log: string;
  exited?: number;
}

interface Owner {
  uid: string;
  generation: number;
  pods: Pod[];
  failures: number;
  restarts: number;
  done: boolean;
  /** Not before this time is a new pod started (restart backoff). */
  notBefore: number;
}

export class StandInKubelet {
  private readonly platform: KubeClient;
  private readonly owners = new Map<string, Owner>();
  private stopped = false;
  private loop: Promise<void> | undefined;
  private root = "";
  private server = { host: "", port: "", ca: "" };
  errors: string[] = [];
  /** Every pod started, in order: its name, what it ran, its log file and, once it ended, its exit code. */
  readonly started: StartedPod[] = [];

  constructor(private readonly options: KubeletOptions) {
    this.platform = KubeClient.for(options.platform);
  }

  async start(): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), "spe-kubelet-"));
    const cluster = this.options.platform.getCurrentCluster()!;
    const url = new URL(cluster.server);
    this.server = {
      host: url.hostname,
      port: url.port,
      ca: Buffer.from(cluster.caData ?? "", "base64").toString(),
    };
    this.loop = (async () => {
      while (!this.stopped) {
        try {
          await this.pass();
        } catch (err) {
          this.errors.push(String(err));
          if (this.errors.length > 50) this.errors.shift();
        }
        await sleep(300);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    for (const owner of this.owners.values()) await this.killAll(owner);
    await rm(this.root, { recursive: true, force: true });
  }

  /** Kills the running pods of a Deployment or Job (as if the node lost them); the loop starts new ones. */
  async kill(kind: "Job" | "Deployment", name: string): Promise<void> {
    const owner = this.owners.get(`${kind}/${name}`);
    if (owner) await this.killAll(owner);
  }

  private async killAll(owner: Owner): Promise<void> {
    for (const pod of owner.pods) {
      pod.proc.kill("SIGTERM");
      const timer = setTimeout(() => pod.proc.kill("SIGKILL"), 5000);
      await pod.proc.catch(() => undefined);
      clearTimeout(timer);
    }
    owner.pods = [];
  }

  private async pass(): Promise<void> {
    const ns = this.options.namespace;
    const jobs = await this.platform.list("batch/v1", "Job", { namespace: ns });
    const deployments = await this.platform.list("apps/v1", "Deployment", { namespace: ns });
    const present = new Set<string>();
    for (const job of jobs) {
      present.add(`Job/${job.metadata.name}`);
      await this.job(job);
    }
    for (const deployment of deployments) {
      present.add(`Deployment/${deployment.metadata.name}`);
      await this.deployment(deployment);
    }
    for (const [key, owner] of this.owners) {
      if (present.has(key)) continue;
      await this.killAll(owner);
      this.owners.delete(key);
    }
  }

  private ownerFor(key: string, obj: KubeObject): Owner {
    const known = this.owners.get(key);
    if (known && known.uid === obj.metadata.uid) return known;
    if (known) void this.killAll(known);
    const owner: Owner = {
      uid: String(obj.metadata.uid),
      generation: 0,
      pods: [],
      failures: 0,
      restarts: 0,
      done: false,
      notBefore: 0,
    };
    this.owners.set(key, owner);
    return owner;
  }

  private async job(job: KubeObject): Promise<void> {
    const owner = this.ownerFor(`Job/${job.metadata.name}`, job);
    if (owner.done) return;
    const running = owner.pods[0];
    if (running && running.exited === undefined) return;
    if (running) {
      owner.pods = [];
      if (running.exited === 0) {
        owner.done = true;
        await this.jobStatus(job, { succeeded: 1 });
        return;
      }
      owner.failures += 1;
      const limit = (job.spec as { backoffLimit?: number }).backoffLimit ?? 6;
      if (owner.failures > limit) {
        owner.done = true;
        await this.jobStatus(job, { failed: owner.failures, failedTerminally: true });
        return;
      }
      await this.jobStatus(job, { failed: owner.failures });
      owner.notBefore = Date.now() + 1000 * owner.failures;
    }
    if (Date.now() < owner.notBefore) return;
    const template = (job.spec as { template: { spec: PodSpec } }).template;
    if (running === undefined && owner.failures === 0) await this.jobStatus(job, { active: 1 });
    owner.pods = [
      await this.run(`Job/${job.metadata.name}`, template.spec, `${job.metadata.name}-${owner.failures}`),
    ];
  }

  /** Job status as the job controller writes it; the apiserver checks that the fields agree. */
  private async jobStatus(
    job: KubeObject,
    fate: { active?: number; succeeded?: number; failed?: number; failedTerminally?: boolean },
  ): Promise<void> {
    const now = new Date().toISOString();
    const startTime = (job.status as { startTime?: string } | undefined)?.startTime ?? now;
    const cond = (type: string, reason: string): Record<string, string> => ({
      type,
      status: "True",
      reason,
      message: reason,
      lastProbeTime: now,
      lastTransitionTime: now,
    });
    let status: Record<string, unknown> = { startTime, active: fate.active ?? 0, ready: 0, terminating: 0 };
    if (fate.failed !== undefined) status.failed = fate.failed;
    if (fate.succeeded !== undefined) {
      status = {
        ...status,
        succeeded: fate.succeeded,
        completionTime: now,
        conditions: [
          cond("SuccessCriteriaMet", "CompletionsReached"),
          cond("Complete", "CompletionsReached"),
        ],
      };
    }
    if (fate.failedTerminally) {
      status.conditions = [
        cond("FailureTarget", "BackoffLimitExceeded"),
        cond("Failed", "BackoffLimitExceeded"),
      ];
    }
    await this.patchStatus(job, status);
  }

  private async deployment(deployment: KubeObject): Promise<void> {
    const key = `Deployment/${deployment.metadata.name}`;
    const owner = this.ownerFor(key, deployment);
    const generation = Number(deployment.metadata.generation ?? 0);
    if (owner.generation !== generation) {
      await this.killAll(owner);
      owner.generation = generation;
    }
    const spec = deployment.spec as { replicas?: number; template: { spec: PodSpec } };
    const wanted = spec.replicas ?? 1;
    const exited = owner.pods.filter((p) => p.exited !== undefined);
    if (exited.length > 0) {
      owner.pods = owner.pods.filter((p) => p.exited === undefined);
      owner.restarts += exited.length;
      owner.notBefore = Date.now() + Math.min(10_000, 1000 * 2 ** Math.min(owner.restarts, 4));
    }
    while (owner.pods.length < wanted && Date.now() >= owner.notBefore) {
      owner.pods.push(
        await this.run(
          key,
          spec.template.spec,
          `${deployment.metadata.name}-${owner.restarts}-${owner.pods.length}`,
        ),
      );
    }
    const available = owner.pods.length;
    const status = (deployment.status ?? {}) as Record<string, unknown>;
    if (status.observedGeneration === generation && status.availableReplicas === available) return;
    await this.patchStatus(deployment, {
      observedGeneration: generation,
      replicas: available,
      updatedReplicas: available,
      readyReplicas: available,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, wanted - available),
    });
  }

  private async patchStatus(obj: KubeObject, status: Record<string, unknown>): Promise<void> {
    const path = await this.platform.path({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: this.options.namespace,
    });
    await this.platform.send({
      method: "PATCH",
      path: `${path}/status`,
      body: { status },
      contentType: "application/merge-patch+json",
    });
  }

  /** Starts the pod's container as a process. */
  private async run(owner: string, spec: PodSpec, podName: string): Promise<Pod> {
    const container = spec.containers[0]!;
    const sa = spec.serviceAccountName ?? "default";
    const dir = join(this.root, podName);
    const saDir = join(dir, "serviceaccount");
    await mkdir(saDir, { recursive: true });
    const token = (await this.platform.send({
      method: "POST",
      path: `/api/v1/namespaces/${this.options.namespace}/serviceaccounts/${sa}/token`,
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    })) as { status: { token: string } };
    await writeFile(join(saDir, "token"), token.status.token, { mode: 0o600 });
    await writeFile(join(saDir, "ca.crt"), this.server.ca);
    await writeFile(join(saDir, "namespace"), this.options.namespace);
    const fields: Record<string, string> = {
      "metadata.name": podName,
      "metadata.namespace": this.options.namespace,
      "status.podIP": "127.0.0.1",
      "spec.serviceAccountName": sa,
    };
    const env: Record<string, string> = {
      PATH: `${dirname(this.options.helmWorker)}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      HOME: dir,
      TMPDIR: dir,
      KUBERNETES_SERVICE_HOST: this.server.host,
      KUBERNETES_SERVICE_PORT: this.server.port,
      SPE_SERVICE_ACCOUNT_DIR: saDir,
    };
    for (const e of container.env ?? []) {
      const value = e.value ?? (e.valueFrom?.fieldRef ? fields[e.valueFrom.fieldRef.fieldPath] : undefined);
      if (value !== undefined) env[e.name] = value;
    }
    const args = [...(container.command ?? []), ...(container.args ?? [])];
    const log = join(dir, "container.log");
    const proc = execa(join(repoRoot, "node_modules/.bin/tsx"), ["src/cli/main.ts", ...args], {
      cwd: repoRoot,
      env,
      extendEnv: false,
      reject: false,
      all: true,
      buffer: false,
    });
    const out = createWriteStream(log);
    proc.all.pipe(out);
    const pod: Pod = { name: podName, proc, log };
    const record: StartedPod = { owner, pod: podName, args, log };
    void proc.then((result) => {
      pod.exited = result.exitCode ?? 1;
      record.exitCode = pod.exited;
    });
    this.started.push(record);
    return pod;
  }
}
