/**
 * The helm invocations spe makes. Each gets a private temp directory (0700) holding the
 * target's kubeconfig and the values (files 0600), removed afterwards: credentials and
 * values, which can hold secrets, never appear on a command line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { HelmUnitPlan } from "../../descriptor/plan.js";
import type { HelmBinary } from "./binary.js";
import { chartArgs } from "./chart.js";
import { kubeconfigForHelm } from "./kubeconfig-file.js";
import type { HelmErrorReason } from "./errors.js";

export const CHART_DIGEST_LABEL = "spe.dev/chart-digest";
export const VALUES_HASH_LABEL = "spe.dev/values-hash";

export interface Invocation {
  helm: HelmBinary;
  kubeconfig: KubeConfig;
  baseDir: string;
  signal?: AbortSignal;
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "spe-helm-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writePrivate(path: string, content: string): Promise<string> {
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

function signalOf(inv: Invocation): { signal?: AbortSignal } {
  return inv.signal ? { signal: inv.signal } : {};
}

/**
 * `helm upgrade --install`: level-based (the same call installs or upgrades), server-side
 * apply with forced conflicts (so it also takes back fields edited out of band), and no
 * waiting for readiness (`--wait=hookOnly` waits for hooks only; readiness comes from
 * watches). Not `--rollback-on-failure`: helm v4 turns it into `--wait=watcher`, which would
 * block a worker until every object is ready; spe remediates a failure itself (remediate.ts).
 * The labels record which chart and values the release was made from.
 */
export function upgradeInstall(
  inv: Invocation,
  unit: HelmUnitPlan,
  opts: { labels: { chartDigest: string; valuesHash: string }; timeout: string; failure: HelmErrorReason },
): Promise<string> {
  const { labels, timeout, failure } = opts;
  const { releaseName, namespace, chart, values, createNamespace } = unit.helm;
  return withTempDir(async (dir) => {
    const args = [
      "upgrade",
      "--install",
      releaseName,
      ...chartArgs(chart, inv.baseDir),
      "--namespace",
      namespace,
      "--kubeconfig",
      await writePrivate(join(dir, "kubeconfig"), kubeconfigForHelm(inv.kubeconfig)),
      "--values",
      await writePrivate(join(dir, "values.json"), JSON.stringify(values)),
      "--reset-values",
      "--server-side=true",
      "--force-conflicts",
      "--wait=hookOnly",
      "--history-max",
      "10",
      "--timeout",
      timeout,
      "--labels",
      `${CHART_DIGEST_LABEL}=${labels.chartDigest},${VALUES_HASH_LABEL}=${labels.valuesHash}`,
      ...(createNamespace ? ["--create-namespace"] : []),
    ];
    return inv.helm.run(args, {
      ...signalOf(inv),
      failure,
      what: `helm upgrade --install ${releaseName}`,
    });
  });
}

/** `helm uninstall` without waiting; a missing release is fine. */
export function uninstall(inv: Invocation, unit: HelmUnitPlan): Promise<string> {
  const { releaseName, namespace } = unit.helm;
  return withTempDir(async (dir) => {
    const args = [
      "uninstall",
      releaseName,
      "--namespace",
      namespace,
      "--kubeconfig",
      await writePrivate(join(dir, "kubeconfig"), kubeconfigForHelm(inv.kubeconfig)),
      "--ignore-not-found",
    ];
    return inv.helm.run(args, {
      ...signalOf(inv),
      failure: "UninstallFailed",
      what: `helm uninstall ${releaseName}`,
    });
  });
}

/** `helm template`: the manifest the chart renders for these values, client-side only. */
export function template(inv: Omit<Invocation, "kubeconfig">, unit: HelmUnitPlan): Promise<string> {
  const { releaseName, namespace, chart, values } = unit.helm;
  return withTempDir(async (dir) => {
    const args = [
      "template",
      releaseName,
      ...chartArgs(chart, inv.baseDir),
      "--namespace",
      namespace,
      "--values",
      await writePrivate(join(dir, "values.json"), JSON.stringify(values)),
    ];
    return inv.helm.run(args, {
      ...(inv.signal ? { signal: inv.signal } : {}),
      failure: "RenderFailed",
      what: `helm template ${releaseName}`,
    });
  });
}

/** `helm rollback` to a known good revision, server-side, without waiting for readiness. */
export function rollback(inv: Invocation, unit: HelmUnitPlan, revision: number): Promise<string> {
  const { releaseName, namespace } = unit.helm;
  return withTempDir(async (dir) => {
    const args = [
      "rollback",
      releaseName,
      String(revision),
      "--namespace",
      namespace,
      "--kubeconfig",
      await writePrivate(join(dir, "kubeconfig"), kubeconfigForHelm(inv.kubeconfig)),
      "--server-side=true",
      "--force-conflicts",
      "--wait=hookOnly",
    ];
    return inv.helm.run(args, {
      ...signalOf(inv),
      failure: "RecoveryFailed",
      what: `helm rollback ${releaseName}`,
    });
  });
}
