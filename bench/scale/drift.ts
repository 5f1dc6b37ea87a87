/**
 * Drift: out-of-band changes to deployed Deployments on mcp, half edited (replicas 1 → 3 by
 * another field manager), half deleted, all at once. A watch started before the changes
 * sees each correction: an edited one back at replicas 1 at a newer resourceVersion than the
 * edit, a deleted one present again with a new uid. Latency runs from sending the change.
 */
import { Watch } from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.js";
import {
  controllerDelta,
  snapshotOf,
  type ControllerDelta,
  type ControllerSnapshot,
} from "./controller-metrics.js";
import { NS, type BenchContext, type System } from "./types.js";
import { percentile, round, sleep } from "./util.js";

export interface DriftResult {
  changed: number;
  edited: number;
  deleted: number;
  corrected: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** The same, for the edited and the deleted ones alone. */
  byKind: Record<"edit" | "delete", { corrected: number; p50Ms: number | null; p99Ms: number | null }>;
  /** The controller's own account of the drift window (queue wait, reconcile time), if it has one. */
  controller?: ControllerDelta;
}

type Deployment = {
  metadata: { name: string; uid: string; resourceVersion: string };
  spec?: { replicas?: number };
};

interface Target {
  name: string;
  kind: "edit" | "delete";
  oldUid: string;
  startedAt?: number;
  /** resourceVersion of the edit, once its response is back. */
  editRv?: number;
  last?: Deployment;
  correctedAt?: number;
}

function isCorrected(t: Target, d: Deployment): boolean {
  if (t.startedAt === undefined) return false;
  if (t.kind === "delete") return d.metadata.uid !== t.oldUid;
  return t.editRv !== undefined && Number(d.metadata.resourceVersion) > t.editRv && d.spec?.replicas === 1;
}

function pick<T>(items: readonly T[], count: number): T[] {
  const step = items.length / Math.min(count, items.length);
  return Array.from({ length: Math.min(count, items.length) }, (_, i) => items[Math.floor(i * step)] as T);
}

async function change(ctx: BenchContext, t: Target): Promise<void> {
  const path = `/apis/apps/v1/namespaces/${NS}/deployments/${t.name}`;
  t.startedAt = Date.now();
  if (t.kind === "delete") {
    await KubeClient.for(ctx.kc.mcp).send({
      method: "DELETE",
      path,
      body: { propagationPolicy: "Background" },
    });
    return;
  }
  const res = (await KubeClient.for(ctx.kc.mcp).send({
    method: "PATCH",
    path: `${path}?fieldManager=bench-drift`,
    body: { spec: { replicas: 3 } },
    contentType: "application/merge-patch+json",
  })) as Deployment;
  t.editRv = Number(res.metadata.resourceVersion);
  if (t.last && isCorrected(t, t.last)) t.correctedAt = Date.now();
}

function latencies(targets: readonly Target[]): number[] {
  return targets.flatMap((t) =>
    t.correctedAt !== undefined && t.startedAt !== undefined ? [t.correctedAt - t.startedAt] : [],
  );
}

function stat(values: number[], p: number): number | null {
  return values.length ? round(percentile(values, p), 0) : null;
}

export async function measureDrift(
  ctx: BenchContext,
  system: System,
  count: number,
  timeoutMs = 60_000,
): Promise<DriftResult> {
  const client = KubeClient.for(ctx.kc.mcp);
  const list = (await client.send({ method: "GET", path: `/apis/apps/v1/namespaces/${NS}/deployments` })) as {
    metadata: { resourceVersion: string };
    items: Deployment[];
  };
  const byName = new Map(list.items.map((d) => [d.metadata.name, d]));
  const chosen = pick(
    ctx.names.filter((n) => byName.has(n)),
    count,
  );
  const targets = new Map<string, Target>(
    chosen.map((name, i) => [
      name,
      { name, kind: i % 2 === 0 ? "edit" : "delete", oldUid: byName.get(name)?.metadata.uid ?? "" },
    ]),
  );
  const watch = await new Watch(ctx.kc.mcp).watch(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    { resourceVersion: list.metadata.resourceVersion },
    (phase: string, obj: Deployment) => {
      const t = targets.get(obj.metadata.name);
      if (!t || t.correctedAt !== undefined || phase === "DELETED") return;
      t.last = obj;
      if (isCorrected(t, obj)) t.correctedAt = Date.now();
    },
    () => undefined,
  );
  let before: ControllerSnapshot | undefined;
  let after: typeof before;
  try {
    await sleep(500);
    before = await snapshotOf(system);
    await Promise.all([...targets.values()].map((t) => change(ctx, t)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && [...targets.values()].some((t) => t.correctedAt === undefined))
      await sleep(100);
    after = await snapshotOf(system);
  } finally {
    watch.abort();
  }
  const all = [...targets.values()];
  const ms = latencies(all);
  const ofKind = (kind: Target["kind"]): DriftResult["byKind"]["edit"] => {
    const some = latencies(all.filter((t) => t.kind === kind));
    return { corrected: some.length, p50Ms: stat(some, 50), p99Ms: stat(some, 99) };
  };
  return {
    changed: all.length,
    edited: all.filter((t) => t.kind === "edit").length,
    deleted: all.filter((t) => t.kind === "delete").length,
    corrected: ms.length,
    p50Ms: stat(ms, 50),
    p99Ms: stat(ms, 99),
    maxMs: stat(ms, 100),
    byKind: { edit: ofKind("edit"), delete: ofKind("delete") },
    ...(before && after ? { controller: controllerDelta(before, after) } : {}),
  };
}
