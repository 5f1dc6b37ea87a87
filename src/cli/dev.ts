/**
 * `spe dev` (and `npm start`): a local platform, onboarding and mcp cluster
 * from test/env, the engine serving every descriptor in providers/, and the
 * demo provider wired to work offline. Prints what to try next; Ctrl-C tears
 * everything down.
 */
import type { Command } from "commander";
import { KubeConfig } from "../kube/kubeconfig.js";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parse } from "yaml";
import { createLogger, type Logger } from "../engine/runtime/logger.js";
import { startRuntime } from "../engine/runtime/runtime.js";
import type { KubeObject } from "../descriptor/index.js";
import { KubeClient } from "../kube/client.js";
import { processIO } from "./io.js";

const repo = resolve(import.meta.dirname, "../..");

interface DevCluster {
  name: string;
  kubeconfigPath: string;
}
interface DevEnvironment {
  clusters: Record<"platform" | "onboarding" | "mcp", DevCluster>;
  binaries: { helm: string; kubectl: string; "spe-helm-worker": string };
  stop(): Promise<void>;
}
type StartEnvironment = (options: {
  roles: string[];
  progress: (line: string) => void;
}) => Promise<DevEnvironment>;

/** test/env is development tooling, not part of the built operator: load it only here. */
async function loadTestEnv(): Promise<StartEnvironment> {
  const url = new URL("../../test/env/environment.ts", import.meta.url).href;
  const mod = (await import(url)) as { startEnvironment: StartEnvironment };
  return mod.startEnvironment;
}

function kubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function applyAll(kc: KubeConfig, objects: KubeObject[]): Promise<void> {
  const client = KubeClient.for(kc);
  for (const obj of objects) await client.apply(obj, { manager: "spe-dev", force: true });
}

/** The demo's tenant namespace, its target kubeconfig Secret and the demo ProviderConfig. */
async function seedDemo(env: DevEnvironment): Promise<void> {
  const example = parse(
    await readFile(resolve(repo, "providers/demo/examples/api.yaml"), "utf8"),
  ) as KubeObject;
  const config = parse(
    await readFile(resolve(repo, "providers/demo/examples/config.yaml"), "utf8"),
  ) as KubeObject;
  const namespace = example.metadata.namespace ?? "default";
  const mcpKubeconfig = await readFile(env.clusters.mcp.kubeconfigPath, "utf8");
  const ns: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } };
  await applyAll(kubeConfig(env.clusters.onboarding.kubeconfigPath), [ns]);
  const secret: KubeObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${example.metadata.name}-kubeconfig`, namespace },
    stringData: { kubeconfig: mcpKubeconfig },
  };
  await applyAll(kubeConfig(env.clusters.platform.kubeconfigPath), [ns, secret]);
  // The config CRD exists once the engine serves the demo provider: apply the config after start.
  await applyAll(kubeConfig(env.clusters.platform.kubeconfigPath), [config]);
}

function nextSteps(env: DevEnvironment, opsPort: number): string {
  const { onboarding, mcp } = env.clusters;
  const kubectl = env.binaries.kubectl;
  return [
    "",
    "spe dev is running. Try:",
    `  export KUBECONFIG=${onboarding.kubeconfigPath}`,
    `  ${kubectl} apply -f ${resolve(repo, "providers/demo/examples/api.yaml")}`,
    `  ${kubectl} get demoservices -A -w`,
    "The DomainService appears on the mcp cluster:",
    `  ${kubectl} --kubeconfig ${mcp.kubeconfigPath} get deploy,svc,cm -n demo-system`,
    `Metrics and health: http://127.0.0.1:${opsPort}/metrics  /healthz  /readyz`,
    "Ctrl-C stops the engine and the clusters.",
    "",
  ].join("\n");
}

async function waitForSignal(): Promise<void> {
  await new Promise<void>((done) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const)
      process.once(signal, () => {
        done();
      });
  });
}

export async function runDev(options: { opsPort: string; logLevel: string }): Promise<void> {
  const logger: Logger = createLogger({ pretty: true, level: options.logLevel });
  const startEnvironment = await loadTestEnv();
  const progress = (line: string): void => {
    processIO.err(`${line}\n`);
  };
  const env = await startEnvironment({ roles: ["platform", "onboarding", "mcp"], progress });
  try {
    const runtime = await startRuntime({
      platform: kubeConfig(env.clusters.platform.kubeconfigPath),
      onboarding: kubeConfig(env.clusters.onboarding.kubeconfigPath),
      logger,
      descriptors: [resolve(repo, "providers")],
      ops: [{ host: "127.0.0.1", port: Number(options.opsPort) }],
      helm: { path: env.binaries["spe-helm-worker"] },
    });
    await waitForEngine(() => runtime.engine());
    await seedDemo(env);
    processIO.out(nextSteps(env, runtime.opsPorts[0] ?? 0));
    await Promise.race([waitForSignal(), runtime.exited]);
    processIO.err("spe dev: stopping…\n");
    await runtime.stop();
  } finally {
    await env.stop();
  }
}

async function waitForEngine(engine: () => { providers(): string[] } | undefined): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (engine()?.providers().includes("demo")) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("spe dev: the demo provider did not start within 60 s (see the log above)");
}

export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("local clusters + the engine serving providers/ (offline demo included); Ctrl-C stops all")
    .option("--ops-port <port>", "port of /metrics, /healthz, /readyz", "8080")
    .option("--log-level <level>", "log level", "info")
    .action(async (opts: { opsPort: string; logLevel: string }) => {
      await runDev(opts);
    });
}
