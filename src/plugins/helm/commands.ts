/**
 * The helm operations spe runs, each one request to the helm worker (worker-client.ts) with
 * the same settings the helm binary would get from these command lines.
 */
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ChartRef, HelmUnitPlan } from "../../descriptor/plan.js";
import { workerChart } from "./chart.js";
import { chartAccess } from "./chart-access.js";
import { kubeconfigForHelm } from "./kubeconfig-yaml.js";
import type { HelmErrorReason } from "./errors.js";
import type { ActionRecord, UnitScope } from "../types.js";
import type {
  AppliedObject,
  HelmWorker,
  WorkerChart,
  WorkerRelease,
  WorkerRequest,
} from "./worker-client.js";

export const CHART_DIGEST_LABEL = "spe.dev/chart-digest";
export const VALUES_HASH_LABEL = "spe.dev/values-hash";

/** Revisions helm keeps per release (`--history-max`). */
const HISTORY_MAX = 10;

export interface Invocation {
  helm: HelmWorker;
  kubeconfig: KubeConfig;
  baseDir: string;
  signal?: AbortSignal;
  /** Told of each operation that changed a release (the engine logs them). */
  onAction?: (record: ActionRecord) => void;
  /** Reads the chart's credentials Secret and CA bundle on the platform cluster (chart-access.ts). */
  platform?: UnitScope["platform"];
}

/** The chart of a request, with the credentials and CA bundle it is fetched with. */
async function requestChart(
  inv: Pick<Invocation, "baseDir" | "platform">,
  chart: ChartRef,
): Promise<WorkerChart> {
  return { ...workerChart(chart, inv.baseDir), ...(await chartAccess(chart, inv.platform)) };
}

/** Tells `inv` of an operation on `unit`'s release that started at `started` (performance.now()). */
function tell(
  inv: Invocation,
  unit: HelmUnitPlan,
  what: { action: ActionRecord["action"]; revision?: number },
  started: number,
): void {
  const { releaseName: name, namespace } = unit.helm;
  inv.onAction?.({
    unit: unit.name,
    action: what.action,
    release: { name, namespace, ...(what.revision === undefined ? {} : { revision: what.revision }) },
    durationMs: Math.round(performance.now() - started),
  });
}

/** The kubeconfig text of a KubeConfig, built once per instance (instances are cached per Secret version). */
const kubeconfigTexts = new WeakMap<KubeConfig, string>();

export function kubeconfigText(kc: KubeConfig): string {
  let text = kubeconfigTexts.get(kc);
  if (text === undefined) {
    text = kubeconfigForHelm(kc);
    kubeconfigTexts.set(kc, text);
  }
  return text;
}

function target(inv: Invocation, unit: HelmUnitPlan): WorkerRequest {
  return {
    kubeconfig: kubeconfigText(inv.kubeconfig),
    release: unit.helm.releaseName,
    namespace: unit.helm.namespace,
  };
}

function signalOf(inv: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return inv.signal ? { signal: inv.signal } : {};
}

function releaseOf(res: { release?: WorkerRelease }, what: string): WorkerRelease {
  if (!res.release) throw new Error(`${what}: the helm worker answered without a release`);
  return res.release;
}

/**
 * `helm upgrade --install`: level-based (the same call installs or upgrades), server-side
 * apply with forced conflicts (so it also takes back fields edited out of band), and no
 * waiting for readiness (`--wait=hookOnly` waits for hooks only; readiness comes from
 * watches). Not `--rollback-on-failure`: helm v4 turns it into `--wait=watcher`, which would
 * block a worker until every object is ready; spe remediates a failure itself (remediate.ts).
 * The labels record which chart and values the release was made from. `existing` is what
 * the caller just read of the release (else the worker reads it); the answer carries what
 * the apiserver returned for each object applied.
 */
export async function upgradeInstall(
  inv: Invocation,
  unit: HelmUnitPlan,
  opts: {
    labels: { chartDigest: string; valuesHash: string };
    timeoutSeconds: number;
    failure: HelmErrorReason;
    existing?: WorkerRequest["existing"];
  },
): Promise<{ release: WorkerRelease; applied: AppliedObject[] }> {
  const { chart, values, createNamespace, releaseName, adopt } = unit.helm;
  const what = `helm upgrade --install ${releaseName}`;
  const started = performance.now();
  const res = await inv.helm.call(
    "upgradeInstall",
    {
      ...target(inv, unit),
      chart: await requestChart(inv, chart),
      values: JSON.stringify(values),
      labels: { [CHART_DIGEST_LABEL]: opts.labels.chartDigest, [VALUES_HASH_LABEL]: opts.labels.valuesHash },
      createNamespace,
      timeoutSeconds: opts.timeoutSeconds,
      historyMax: HISTORY_MAX,
      ...(opts.existing ? { existing: opts.existing } : {}),
      ...(adopt === "ifUnowned" ? { adopt } : {}),
    },
    { ...signalOf(inv), failure: opts.failure, what },
  );
  const release = releaseOf(res, what);
  const installed = opts.existing === undefined ? release.revision === 1 : opts.existing !== "live";
  tell(inv, unit, { action: installed ? "installed" : "upgraded", revision: release.revision }, started);
  return { release, applied: res.applied ?? [] };
}

/**
 * `helm uninstall --ignore-not-found` without waiting; a missing release is fine. `action` is
 * what it means for the unit: the unit deleted, a failed install rolled back, or a broken
 * release cleared before it is installed again.
 */
export async function uninstall(
  inv: Invocation,
  unit: HelmUnitPlan,
  action: "deleted" | "rolled back" | "uninstalled",
): Promise<void> {
  const started = performance.now();
  await inv.helm.call("uninstall", target(inv, unit), {
    ...signalOf(inv),
    failure: "UninstallFailed",
    what: `helm uninstall ${unit.helm.releaseName}`,
  });
  tell(inv, unit, { action }, started);
}

/**
 * `helm template`: the documents the chart renders for these values, client-side only (hooks
 * left out), parsed by the worker.
 */
export async function template(inv: Omit<Invocation, "kubeconfig">, unit: HelmUnitPlan): Promise<unknown[]> {
  const { releaseName, namespace, chart, values } = unit.helm;
  const res = await inv.helm.call(
    "template",
    {
      release: releaseName,
      namespace,
      chart: await requestChart(inv, chart),
      values: JSON.stringify(values),
    },
    { ...signalOf(inv), failure: "RenderFailed", what: `helm template ${releaseName}` },
  );
  return res.objects ?? [];
}

/** `helm rollback` to a known good revision, server-side, without waiting for readiness. */
export async function rollback(
  inv: Invocation,
  unit: HelmUnitPlan,
  revision: number,
): Promise<WorkerRelease> {
  const what = `helm rollback ${unit.helm.releaseName}`;
  const started = performance.now();
  const res = await inv.helm.call(
    "rollback",
    { ...target(inv, unit), revision, historyMax: HISTORY_MAX },
    { ...signalOf(inv), failure: "RecoveryFailed", what },
  );
  const release = releaseOf(res, what);
  tell(inv, unit, { action: "rolled back", revision: release.revision }, started);
  return release;
}
