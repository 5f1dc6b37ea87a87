/** The Markdown summary of a bench run: machine facts, per-scenario numbers, ratios, targets. */
import type { ControllerDelta } from "./controller-metrics.js";
import type { BenchResults } from "./run.js";
import type { ScenarioResult } from "./scenario.js";

const fmt = (x: number | null | undefined, unit = ""): string =>
  x === null || x === undefined ? "–" : `${x}${unit}`;

const ratio = (a: number | null | undefined, b: number | null | undefined): string =>
  a && b ? `${(a / b).toFixed(2)}×` : "–";

function rps(s: ScenarioResult): string {
  const r = s.steady?.apiRequestsPerSecond;
  return r ? `${fmt(r.platform.total)} / ${fmt(r.onboarding.total)} / ${fmt(r.mcp.total)}` : "–";
}

type Num = number | null | undefined;

const FIELDS: Record<string, (s: ScenarioResult) => Num> = {
  ready: (s) => s.ready?.seconds,
  reported: (s) => s.ready?.reportedSeconds,
  available: (s) => s.ready?.availableSeconds,
  peakRss: (s) => s.peakRssMiB,
  cpuToReady: (s) => s.ready?.cpuSeconds,
  childCpuToReady: (s) => s.ready?.childCpuSeconds,
  helmToReady: (s) => s.ready?.helmProcesses,
  helmOpsToReady: (s) => s.ready?.helmOperations,
  steadyCpu: (s) => s.steady?.cpuPercentOfCore,
  steadyHelm: (s) => s.steady?.helmProcesses,
  steadyHelmOps: (s) => s.steady?.helmOperations,
  driftP50: (s) => s.drift?.p50Ms,
  driftP99: (s) => s.drift?.p99Ms,
};

/** The numbers of one scenario the tables use, with absent values as undefined. */
function numbers(s: ScenarioResult | undefined): Record<string, Num> {
  return Object.fromEntries(Object.entries(FIELDS).map(([k, f]) => [k, s ? f(s) : undefined]));
}

function row(s: ScenarioResult): string {
  const x = numbers(s);
  const cells = [
    s.n,
    s.system,
    s.ok ? "ok" : `**failed**: ${s.error ?? ""}`,
    fmt(x.ready),
    `${fmt(x.reported)} / ${fmt(x.available)}`,
    fmt(x.peakRss),
    `${fmt(x.cpuToReady)} / ${fmt(x.childCpuToReady)}`,
    `${fmt(x.helmToReady)} / ${fmt(x.helmOpsToReady)}`,
    fmt(x.steadyCpu, " %"),
    `${fmt(x.steadyHelm)} / ${fmt(x.steadyHelmOps)}`,
    rps(s),
    s.drift ? `${s.drift.corrected}/${s.drift.changed}` : "–",
    fmt(x.driftP50),
    fmt(x.driftP99),
  ];
  return `| ${cells.join(" | ")} |`;
}

/** Where drift time went, and what each process of a controller's tree held at most. */
function details(r: BenchResults): string[] {
  const lines = [
    "| N | system | peak RSS MiB by process | to Ready: reconciles, mean queue wait / reconcile ms | drift edited p50 / p99 ms | drift deleted p50 / p99 ms | drift window: reconciles, mean queue wait / reconcile ms |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const s of r.scenarios) {
    const byProcess = Object.entries(s.peakRssMiBByProcess ?? {})
      .map(([command, mib]) => `${command} ${mib}`)
      .join(", ");
    const d = s.drift;
    const account = (c: ControllerDelta | undefined): string =>
      c ? `${c.reconciles}, ${fmt(c.meanQueueWaitMs)} / ${fmt(c.meanReconcileMs)}` : "–";
    const cells = [
      s.n,
      s.system,
      byProcess || "–",
      account(s.ready?.controller),
      d ? `${fmt(d.byKind.edit.p50Ms)} / ${fmt(d.byKind.edit.p99Ms)}` : "–",
      d ? `${fmt(d.byKind.delete.p50Ms)} / ${fmt(d.byKind.delete.p99Ms)}` : "–",
      account(d?.controller),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

function find(r: BenchResults, system: string, n: number): Record<string, Num> {
  return numbers(r.scenarios.find((s) => s.system === system && s.n === n && s.ok));
}

function ratios(r: BenchResults): string[] {
  const sizes = [...new Set(r.scenarios.map((s) => s.n))];
  const lines = [
    "| N | spe-helm ÷ lower bound (time) | spe-manifests ÷ lower bound (time) | peer ÷ spe-helm (time) | peer ÷ spe-helm (peak RSS) | peer ÷ spe-helm (steady CPU) |",
    "|---|---|---|---|---|---|",
  ];
  for (const n of sizes) {
    const [helm, mf, ssa, peer] = ["spe-helm", "spe-manifests", "ssa", "helm-operator"].map((x) =>
      find(r, x, n),
    ) as [Record<string, Num>, Record<string, Num>, Record<string, Num>, Record<string, Num>];
    const cells = [
      ratio(helm.ready, ssa.ready),
      ratio(mf.ready, ssa.ready),
      ratio(peer.ready, helm.ready),
      ratio(peer.peakRss, helm.peakRss),
      ratio(peer.steadyCpu, helm.steadyCpu),
    ];
    lines.push(`| ${n} | ${cells.join(" | ")} |`);
  }
  return lines;
}

const mark = (value: Num, ok: (v: number) => boolean): string =>
  value === null || value === undefined ? "n/a" : ok(value) ? "met" : "**missed**";

function targets(r: BenchResults): string[] {
  const ns = r.scenarios.filter((s) => s.system === "spe-helm" && s.ok).map((s) => s.n);
  if (ns.length === 0) return ["No successful spe-helm scenario."];
  const n = Math.max(...ns);
  const s = find(r, "spe-helm", n);
  const peer = find(r, "helm-operator", n);
  const speedup = peer.ready && s.ready ? peer.ready / s.ready : undefined;
  return [
    `Checked at the largest spe-helm N of this run, **N = ${n}**${n < 1000 ? " (the targets are stated for N = 1000)" : ""}.`,
    "",
    "| target | measured | |",
    "|---|---|---|",
    `| Ready ≤ 120 s | ${fmt(s.ready, " s")} | ${mark(s.ready, (v) => v <= 120)} |`,
    `| peak RSS < 200 MiB | ${fmt(s.peakRss, " MiB")} | ${mark(s.peakRss, (v) => v < 200)} |`,
    `| 0 helm processes in steady state | ${fmt(s.steadyHelm)} started, ${fmt(s.steadyHelmOps)} helm operations | ${mark(s.steadyHelm, (v) => v === 0)} |`,
    `| steady CPU < 2 % of a core | ${fmt(s.steadyCpu, " %")} | ${mark(s.steadyCpu, (v) => v < 2)} |`,
    `| drift p99 ≤ 2 s | ${fmt(s.driftP99, " ms")} | ${mark(s.driftP99, (v) => v <= 2000)} |`,
    `| ≥ 2× faster than the peer | ${ratio(peer.ready, s.ready)} | ${mark(speedup, (v) => v >= 2)} |`,
  ];
}

export function markdown(r: BenchResults, jsonFile: string): string {
  const m = r.machine.atStart;
  const lines = [
    "# spe scale benchmark",
    "",
    `Run ${r.startedAt} → ${r.finishedAt ?? "(in progress)"}, commit ${r.commit}${jsonFile ? `, raw numbers in \`${jsonFile}\`` : ""}.`,
    "",
    "## Machine",
    "",
    `- ${m.nproc} CPUs (${m.cpuModel}), ${m.memTotalGiB} GiB, Linux ${m.kernel}, Node ${m.node}`,
    `- load average at start: ${m.loadAverage.join(", ")}${r.machine.atEnd ? `; at end: ${r.machine.atEnd.loadAverage.join(", ")}` : ""}`,
    `- busy processes at start (pcpu rss comm): ${m.busyProcesses.join("; ") || "none ≥ 5 %"}`,
    `- clusters: test/env (Kubernetes ${r.versions.kubernetes}, etcd ${r.versions.etcd}, kwok ${r.versions.kwok}, helm ${r.versions.helm}), a fresh private platform/onboarding/mcp per scenario`,
    `- peer: ${r.peer.available ? `${r.peer.module}@${r.peer.version}` : `none (${r.peer.error ?? "not run"})`}`,
    `- steady window ${r.config.steadySeconds} s, drift ${r.config.driftCount} objects (half edited, half deleted)`,
    "",
    "Shared machine: absolute numbers move with the load; compare systems within one run.",
    "",
    "## Scenarios",
    "",
    "| N | system | result | Ready s | reported / Available s | peak RSS MiB (with children) | CPU s to Ready (controller / its children: spe's helm worker) | helm procs / ops to Ready | steady CPU (with children) | steady helm procs / ops | steady API req/s platform / onboarding / mcp | drift corrected | drift p50 ms | drift p99 ms |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...r.scenarios.map(row),
    "",
    "## Memory and drift in detail",
    "",
    ...details(r),
    "",
    "## Ratios (same run)",
    "",
    ...ratios(r),
    "",
    "## Targets",
    "",
    ...targets(r),
    "",
    "## Systems",
    "",
    ...[...new Map(r.scenarios.map((s) => [s.system, s.description])).entries()].map(
      ([k, v]) => `- **${k}**: ${v}`,
    ),
    "",
  ];
  return lines.join("\n");
}
