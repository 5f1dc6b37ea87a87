/**
 * The peer: operator-framework's helm-operator (github.com/operator-framework/helm-operator-plugins,
 * built from its Go module into ~/.cache/spe/bench) with a watches.yaml for the same chart. It
 * serves its custom resources on the cluster it deploys to, so its BenchApps live on mcp; each
 * becomes a release named like the resource in its namespace, as spe's do. It links the Helm
 * library, so it starts no helm processes.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { KubeClient } from "../../src/kube/client.js";
import { freePort } from "../../test/env/ports.js";
import { BENCH_ROOT } from "./config.js";
import { fetchMetrics } from "./controller-metrics.js";
import { apply } from "./kube.js";
import { startController, waitHttpOk, type Controller } from "./process.js";
import { IMAGE, NS, type BenchContext, type System } from "./types.js";
import { pool, until } from "./util.js";

export const PEER_MODULE = "github.com/operator-framework/helm-operator-plugins";
export const PEER_VERSION = "v0.8.0";
const GROUP = "peer.bench.spe.dev";
const API_VERSION = `${GROUP}/v1alpha1`;

export function peerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cache, "spe", "bench", `helm-operator-${PEER_VERSION}`, "helm-operator");
}

/**
 * Builds the peer from its Go module once (the proxy serves explicit versions of it only,
 * so the version is pinned). Throws with the go tool's output when it cannot be had.
 */
export async function ensurePeer(progress: (line: string) => void): Promise<string> {
  const bin = peerBinary();
  if (existsSync(bin)) return bin;
  progress(`bench: building ${PEER_MODULE}@${PEER_VERSION} (once)…`);
  const dl = await execa("go", ["mod", "download", "-json", `${PEER_MODULE}@${PEER_VERSION}`], {
    reject: false,
  });
  const dir = (JSON.parse(dl.stdout || "{}") as { Dir?: string; Error?: string }).Dir;
  if (!dir)
    throw new Error(`go mod download ${PEER_MODULE}@${PEER_VERSION} failed: ${dl.stdout}${dl.stderr}`);
  const work = join(bin, "..", "src");
  await mkdir(join(bin, ".."), { recursive: true });
  await execa("rm", ["-rf", work]);
  await execa("cp", ["-r", dir, work]);
  await execa("chmod", ["-R", "u+w", work]);
  await execa("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "."], {
    cwd: work,
    env: { GOFLAGS: "-mod=mod" },
  });
  return bin;
}

const crd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `benchapps.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: { kind: "BenchApp", plural: "benchapps", singular: "benchapp", listKind: "BenchAppList" },
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            "x-kubernetes-preserve-unknown-fields": true,
          },
        },
      },
    ],
  },
};

type Cr = { status?: { conditions?: { type: string; status: string }[] } };

export class PeerSystem implements System {
  readonly name = "helm-operator" as const;
  readonly correctsDrift = true;
  readonly description = `helm-operator ${PEER_VERSION} (${PEER_MODULE}), default flags, watches.yaml for bench-app`;
  private controller: Controller | undefined;
  private metricsPort: number | undefined;

  constructor(
    private readonly ctx: BenchContext,
    private readonly binary: string,
  ) {}

  async start(): Promise<void> {
    const { kc, dir, env } = this.ctx;
    await apply(kc.mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    await apply(kc.mcp, crd);
    await until(
      "peer CRD served",
      () =>
        KubeClient.for(kc.mcp)
          .list(API_VERSION, "BenchApp", { namespace: NS })
          .then(() => true),
      60_000,
    );
    const watches = join(dir, "watches.yaml");
    const chart = join(BENCH_ROOT, "fixtures/charts/bench-app");
    await writeFile(watches, `- group: ${GROUP}\n  version: v1alpha1\n  kind: BenchApp\n  chart: ${chart}\n`);
    const [metrics, probes] = [await freePort(), await freePort()];
    this.metricsPort = metrics;
    this.controller = startController(
      this.binary,
      [
        "run",
        "--watches-file",
        watches,
        "--metrics-bind-address",
        `127.0.0.1:${metrics}`,
        "--health-probe-bind-address",
        `127.0.0.1:${probes}`,
      ],
      {
        log: join(dir, "helm-operator.log"),
        env: { KUBECONFIG: env.clusters.mcp.kubeconfigPath, HOME: dir },
        cwd: dir,
      },
    );
    await waitHttpOk(`http://127.0.0.1:${probes}/readyz`, this.controller);
  }

  async create(): Promise<void> {
    await pool(this.ctx.names, 16, async (name) => {
      await apply(this.ctx.kc.mcp, {
        apiVersion: API_VERSION,
        kind: "BenchApp",
        metadata: { name, namespace: NS },
        spec: { image: IMAGE, greeting: "hello" },
      });
    });
  }

  async reportedReady(): Promise<number> {
    const items = (await KubeClient.for(this.ctx.kc.mcp).list(API_VERSION, "BenchApp", {
      namespace: NS,
    })) as Cr[];
    return items.filter((o) =>
      o.status?.conditions?.some((c) => c.type === "Deployed" && c.status === "True"),
    ).length;
  }

  pid(): number | undefined {
    return this.controller?.pid;
  }

  helmProcesses(): Promise<number> {
    return Promise.resolve(0);
  }

  /** It links the Helm library and exports no count of its operations. */
  helmOperations(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  metrics(): Promise<string | undefined> {
    return fetchMetrics(this.metricsPort);
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
  }
}
