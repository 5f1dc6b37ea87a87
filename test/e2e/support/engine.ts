/** Runs the real engine in-process against the test clusters. */
import type { TokenPluginOptions } from "../../../src/plugins/token/index.js";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createLogger, type Logger } from "../../../src/engine/runtime/logger.js";
import { Engine } from "../../../src/engine/runtime/engine.js";
import type { SpeMetrics } from "../../../src/engine/runtime/metrics.js";
import type { Provider } from "../../../src/engine/descriptors/provider.js";
import { loadDescriptors, safeCompileDescriptor, formatIssue } from "../../../src/descriptor/index.js";
import { kubeConfigFor, testEnv } from "./env.js";
import { KubeClient } from "../../../src/kube/client.js";
import { apply } from "./kube.js";

export const repoRoot = resolve(import.meta.dirname, "../../..");

export async function loadProvider(file: string): Promise<Provider> {
  const path = resolve(repoRoot, file);
  const loaded = await loadDescriptors([path]);
  const descriptor = loaded.descriptors[0];
  if (!descriptor) throw new Error(`no descriptor in ${file}: ${loaded.issues.map(formatIssue).join("; ")}`);
  const compiled = safeCompileDescriptor(descriptor);
  if (!compiled.ok) throw new Error(compiled.issues.map(formatIssue).join("; "));
  return { compiled: compiled.value, baseDir: descriptor.source.dir ?? dirname(path), source: path };
}

export async function startEngine(
  providers: Provider[],
  options: {
    metrics?: SpeMetrics;
    syncPeriodMs?: number;
    logger?: Logger;
    watchLingerMs?: number;
    watchIdleMs?: number;
    token?: TokenPluginOptions;
  } = {},
): Promise<Engine> {
  const engine = new Engine({
    workers: 4,
    ...options,
    platform: kubeConfigFor("platform"),
    onboarding: kubeConfigFor("onboarding"),
    logger: options.logger ?? createLogger({ level: process.env.SPE_TEST_LOG ?? "silent" }),
    helm: { path: testEnv().binaries["spe-helm-worker"] },
  });
  await engine.start();
  const failures = await engine.setProviders(providers);
  if (failures.size > 0) throw new Error([...failures.values()].map((e) => e.message).join("; "));
  return engine;
}

/** The kubeconfig Secret on the platform cluster through which spe reaches a target cluster. */
export async function grantTarget(
  namespace: string,
  name: string,
  target: "mcp" | "workload",
): Promise<void> {
  const platform = kubeConfigFor("platform");
  await apply(platform, { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  const kubeconfig = await readFile(testEnv().clusters[target].kubeconfigPath, "utf8");
  await apply(platform, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    stringData: { kubeconfig },
  });
}

/**
 * Removes what a test provider left: its ProviderConfig (platform), its two CRDs (the API
 * kind's on onboarding, the config kind's on platform) and the test's namespace on each cluster.
 */
export async function removeProvider(what: {
  group: string;
  apiPlural: string;
  configName: string;
  namespace: string;
}): Promise<void> {
  const platform = KubeClient.for(kubeConfigFor("platform"));
  const onboarding = KubeClient.for(kubeConfigFor("onboarding"));
  const crd = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };
  await platform.delete({
    apiVersion: `${what.group}/v1alpha1`,
    kind: "ProviderConfig",
    name: what.configName,
  });
  await onboarding.delete({ ...crd, name: `${what.apiPlural}.${what.group}` });
  await platform.delete({ ...crd, name: `providerconfigs.${what.group}` });
  for (const cluster of ["onboarding", "platform", "mcp"] as const)
    await KubeClient.for(kubeConfigFor(cluster)).delete({
      apiVersion: "v1",
      kind: "Namespace",
      name: what.namespace,
    });
}
