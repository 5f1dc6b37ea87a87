/**
 * Offline rendering for `spe render`, golden tests and descriptor authors' own
 * tests: each unit's outputs are simulated from its plan so later units and the
 * status projection can be rendered without a cluster. Deterministic.
 */
import type { CompiledDescriptor } from "./compiled.js";
import type { RenderContext, TargetContext } from "./evaluate.js";
import { applyDefaults } from "./inputs.js";
import type { UnitOutputs, UnitPlan } from "./plan.js";
import { projectStatus, renderUnit, unitEnabled } from "./render.js";
import { withWriteBack, writeBackMetadata, type WriteBack } from "./write-back.js";
import { isDataPending } from "./issues.js";
import { describeLive, liveReads } from "./live.js";

export interface OfflineInput {
  api: Record<string, unknown>;
  config: Record<string, unknown>;
  target?: TargetContext;
  /** Outputs to use instead of simulated ones, by unit name. */
  deploy?: Record<string, UnitOutputs>;
  /**
   * Live values by unit and key (`spe render --live`); a value not given is not there yet, so
   * what reads it is listed as pending.
   */
  live?: Record<string, Record<string, unknown>>;
  /** Chart version of a local chart path (e.g. read from Chart.yaml); default "0.0.0". */
  chartVersion?: (plan: UnitPlan) => string | undefined;
}

export interface OfflineRender {
  units: UnitPlan[];
  status: Record<string, unknown>;
  /** The labels and annotations spe sets on the API object (spec.writeBack), when it has any. */
  writeBack?: WriteBack;
  /** Units that wait for live values not given (and units depending on them), when there are any. */
  pending?: { unit: string; waitingFor: string }[];
}

function chartName(plan: UnitPlan & { type: "helm" }): string {
  const { chart } = plan.helm;
  const ref = chart.name ?? chart.oci ?? chart.path ?? "";
  return (
    ref
      .replace(/\/+$/, "")
      .split("/")
      .pop()
      ?.replace(/\.tgz$/, "") ?? ""
  );
}

/** What a unit would expose once deployed. */
export function simulateOutputs(plan: UnitPlan, version?: string): UnitOutputs {
  if (plan.type === "manifests") {
    const objects = plan.manifests.map((o) => {
      const ref = { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name };
      return o.metadata.namespace === undefined ? ref : { ...ref, namespace: o.metadata.namespace };
    });
    return { objects, ready: true };
  }
  if (plan.type === "copy") {
    const objects = plan.copy.items.map(({ to }) => ({ apiVersion: "v1", kind: plan.copy.kind, ...to }));
    return { objects, ready: true };
  }
  if (plan.type === "token")
    return { objects: [{ apiVersion: "v1", kind: "Secret", ...plan.token.secret }], ready: true };
  const { helm } = plan;
  const release = {
    name: helm.releaseName,
    namespace: helm.namespace,
    chartName: chartName(plan),
    chartVersion: version ?? helm.chart.version ?? "0.0.0",
    revision: 1,
  };
  return { release, objects: [], ready: true };
}

function metadataOf(api: Record<string, unknown>): { name?: string; namespace?: string } {
  const meta = api.metadata;
  if (typeof meta !== "object" || meta === null) return {};
  const { name, namespace } = meta as Record<string, unknown>;
  return {
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof namespace === "string" ? { namespace } : {}),
  };
}

/** Renders every unit in order with simulated outputs, then the status projection. Throws RenderError. */
export function renderOffline(compiled: CompiledDescriptor, input: OfflineInput): OfflineRender {
  const config = applyDefaults(compiled, "config", input.config);
  // The object as spe sets it: its write-back labels and annotations are spe's, not the user's.
  const defaulted = applyDefaults(compiled, "api", input.api);
  const written = writeBackMetadata(compiled, { api: defaulted, config });
  const api = withWriteBack(defaulted, written);
  const meta = metadataOf(api);
  const target: TargetContext = input.target ?? { cluster: compiled.target.cluster, name: meta.name ?? "" };
  if (input.target === undefined && meta.namespace !== undefined) target.namespace = meta.namespace;
  const ctx: RenderContext = { api, config, target, deploy: {}, live: {}, liveSources: {} };
  const { units, pending } = renderUnits(compiled, input, ctx);
  const some = Object.keys(written.labels).length + Object.keys(written.annotations).length > 0;
  return {
    units,
    status: projectStatus(compiled, ctx),
    ...(some ? { writeBack: written } : {}),
    ...(pending.length > 0 ? { pending } : {}),
  };
}

type Pending = { unit: string; waitingFor: string }[];

/** Each unit in order, with the outputs and live values of those before it in `ctx`. */
function renderUnits(
  compiled: CompiledDescriptor,
  input: OfflineInput,
  ctx: RenderContext,
): { units: UnitPlan[]; pending: Pending } {
  const deploy = ctx.deploy ?? {};
  const units: UnitPlan[] = [];
  const pending: Pending = [];
  for (const unit of compiled.units) {
    const blocker = unit.dependsOn.find((d) => pending.some((p) => p.unit === d));
    if (blocker !== undefined) {
      pending.push({ unit: unit.name, waitingFor: `unit ${blocker}` });
      continue;
    }
    const plan = renderOrPending(compiled, unit.name, ctx, pending);
    if (plan === undefined) continue;
    units.push(plan);
    deploy[unit.name] = input.deploy?.[unit.name] ?? simulateOutputs(plan, input.chartVersion?.(plan));
    addLive(compiled, unit.name, ctx, input.live?.[unit.name] ?? {});
  }
  return { units, pending };
}

/** The unit's plan; undefined when it is not wanted, or waits for a live value (then listed). */
function renderOrPending(
  compiled: CompiledDescriptor,
  name: string,
  ctx: RenderContext,
  pending: { unit: string; waitingFor: string }[],
): UnitPlan | undefined {
  try {
    return unitEnabled(compiled, name, ctx) ? renderUnit(compiled, name, ctx) : undefined;
  } catch (err) {
    if (!isDataPending(err)) throw err;
    pending.push({ unit: name, waitingFor: err.message });
    return undefined;
  }
}

/** A rendered unit's live values as given, and what each is read from. */
function addLive(
  compiled: CompiledDescriptor,
  name: string,
  ctx: RenderContext,
  given: Record<string, unknown>,
): void {
  const reads = liveReads(compiled, name, ctx);
  if (reads.length === 0) return;
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const read of reads) {
    sources[read.key] = describeLive(read);
    if (given[read.key] !== undefined && given[read.key] !== null) values[read.key] = given[read.key];
  }
  (ctx.live ??= {})[name] = values;
  (ctx.liveSources ??= {})[name] = sources;
}
