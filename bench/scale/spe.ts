/**
 * spe as a separate process (`spe run`, compiled JS) serving one bench descriptor: the Helm
 * one (a release of bench-app per API object) or its manifests-only twin. Helm processes (its
 * helm worker) are counted exactly by a wrapper script that appends a line per start before
 * exec'ing the worker; helm operations come from the engine's own metrics.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeClient } from "../../src/kube/client.js";
import { fetchMetrics, metricTotal } from "./controller-metrics.js";
import { apply } from "./kube.js";
import { BENCH_ROOT } from "./config.js";
import { freePort } from "../../test/env/ports.js";
import { startController, waitHttpOk, type Controller } from "./process.js";
import { helmWorkerWrapper, speRunArgs } from "./spe-run.js";
import { IMAGE, NS, type BenchContext, type System } from "./types.js";
import { pool, until } from "./util.js";

interface Flavor {
  name: "spe-helm" | "spe-manifests";
  descriptor: string;
  provider: string;
  group: string;
  kind: string;
  plural: string;
}

const FLAVORS: Record<Flavor["name"], Flavor> = {
  "spe-helm": {
    name: "spe-helm",
    descriptor: join(BENCH_ROOT, "fixtures/helm/bench-helm.yaml"),
    provider: "bench-helm",
    group: "helm.bench.spe.dev",
    kind: "BenchApp",
    plural: "benchapps",
  },
  "spe-manifests": {
    name: "spe-manifests",
    descriptor: join(BENCH_ROOT, "fixtures/manifests/bench-manifests.yaml"),
    provider: "bench-manifests",
    group: "manifests.bench.spe.dev",
    kind: "BenchManifestApp",
    plural: "benchmanifestapps",
  },
};

type Obj = { status?: { phase?: string; observedGeneration?: number }; metadata: { generation?: number } };

export class SpeSystem implements System {
  readonly correctsDrift = true;
  readonly name: Flavor["name"];
  readonly description: string;
  private controller: Controller | undefined;
  private readonly flavor: Flavor;
  private readonly helmLog: string;
  private opsPort = 0;

  constructor(
    private readonly ctx: BenchContext,
    name: Flavor["name"],
    private readonly options: {
      workers: number | undefined;
      nodeArgs: string[];
      args: string[];
      workerEnv: string[];
    },
  ) {
    this.name = name;
    this.flavor = FLAVORS[name];
    this.helmLog = join(ctx.dir, "helm-starts.log");
    this.description =
      name === "spe-helm"
        ? "spe run (compiled), bench-helm descriptor: one helm release of bench-app per API object"
        : "spe run (compiled), bench-manifests descriptor: the same three objects via the manifests plugin";
  }

  private apiVersion(): string {
    return `${this.flavor.group}/v1alpha1`;
  }

  async start(): Promise<void> {
    const { kc, env, dir } = this.ctx;
    await apply(kc.platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await apply(kc.onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await apply(kc.platform, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "mcp-kubeconfig", namespace: NS },
      stringData: { kubeconfig: await readFile(env.clusters.mcp.kubeconfigPath, "utf8") },
    });
    const wrapper = await helmWorkerWrapper(
      join(dir, "helm-worker-counting"),
      env.binaries["spe-helm-worker"],
      {
        startLog: this.helmLog,
        env: this.options.workerEnv,
      },
    );
    const port = await freePort();
    this.opsPort = port;
    const args = await speRunArgs({
      env,
      main: this.ctx.spe.main,
      descriptors: [this.flavor.descriptor],
      opsPort: port,
      helmWorker: wrapper,
      nodeArgs: this.options.nodeArgs,
      args: [
        ...(this.options.workers === undefined ? [] : ["--workers", String(this.options.workers)]),
        ...this.options.args,
      ],
    });
    this.controller = startController(this.ctx.spe.node, args, { log: join(dir, "spe.log") });
    await waitHttpOk(`http://127.0.0.1:${port}/readyz`, this.controller);
    await this.applyConfig();
  }

  /** The ProviderConfig, once the engine has installed its CRD on the platform cluster. */
  private async applyConfig(): Promise<void> {
    const config = {
      apiVersion: this.apiVersion(),
      kind: "ProviderConfig",
      metadata: { name: this.flavor.provider },
      spec: { image: IMAGE },
    };
    await until(
      "ProviderConfig applied",
      async () => apply(this.ctx.kc.platform, config).then(() => true),
      60_000,
    );
    await until(
      "API CRD on onboarding",
      async () =>
        (await KubeClient.for(this.ctx.kc.onboarding).get({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          name: `${this.flavor.plural}.${this.flavor.group}`,
        }))
          ? true
          : undefined,
      60_000,
    );
  }

  async create(): Promise<void> {
    await pool(this.ctx.names, 16, async (name) => {
      await apply(this.ctx.kc.onboarding, {
        apiVersion: this.apiVersion(),
        kind: this.flavor.kind,
        metadata: { name, namespace: NS },
        spec: { greeting: "hello" },
      });
    });
  }

  async reportedReady(): Promise<number> {
    const items = (await KubeClient.for(this.ctx.kc.onboarding).list(this.apiVersion(), this.flavor.kind, {
      namespace: NS,
    })) as Obj[];
    return items.filter(
      (o) => o.status?.phase === "Ready" && o.status.observedGeneration === o.metadata.generation,
    ).length;
  }

  pid(): number | undefined {
    return this.controller?.pid;
  }

  async helmProcesses(): Promise<number> {
    const text = await readFile(this.helmLog, "utf8");
    return text.split("\n").filter(Boolean).length;
  }

  metrics(): Promise<string | undefined> {
    return fetchMetrics(this.opsPort);
  }

  /** Sum of spe_helm_operation_duration_seconds_count over operations, from the engine's /metrics. */
  async helmOperations(): Promise<number | undefined> {
    const text = await this.metrics();
    return text === undefined ? undefined : metricTotal(text, "spe_helm_operation_duration_seconds_count");
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
  }
}
