/**
 * The apply half of a reconcile: walk the units in dependency order, render
 * each with the outputs of the units before it, observe it, and create or
 * update only what differs. A unit waits while a unit it depends on is not
 * ready. Plugins do the work; this file only decides (Flux's observe →
 * classify → act once).
 */
import type { CompiledDescriptor, RenderContext, UnitOutputs, UnitPlan } from "../../descriptor/index.js";
import { isDataPending, renderUnit, unitEnabled } from "../../descriptor/index.js";
import type { UnitRecord } from "../status/api-object.js";
import { removeDisabled } from "./disabled.js";
import type {
  DeployPlugin,
  DriftEntry,
  Observation,
  ObjectStatus,
  UnitScope,
  WatchSpec,
} from "../../plugins/types.js";
import { ObjectsNotApplied, refKey, type ObjectFailure } from "../../plugins/index.js";
import { KubeClient } from "../../kube/client.js";
import { absentCrds } from "./crds.js";

/** `disabled`: its `when` is false and nothing of it is left; `removing`: it is being removed. */
export type UnitAction = "none" | "create" | "update" | "waiting" | "disabled" | "removing";

export interface UnitReport {
  name: string;
  action: UnitAction;
  /** Why a unit waits: the dependency that is not ready, or the data it needs. */
  waitingFor?: string;
  /** The plugin's reason when it waits for something outside the plan (a copy's source). */
  waitingReason?: string;
  plan?: UnitPlan;
  observation?: Observation;
  /** The listed deletion CRDs that were absent when this reconcile created the unit. */
  crds?: string[];
}

export interface DeployReport {
  units: UnitReport[];
  outputs: Record<string, UnitOutputs>;
  /** Drift that this reconcile found and corrected (units updated because live state moved). */
  corrected: DriftEntry[];
  /** Objects that could not be applied, by unit; the reconcile is retried with backoff. */
  failures: { unit: string; failure: ObjectFailure }[];
  objects: ObjectStatus[];
  /** The sets of records the units' plugins keep, to be watched beside the objects. */
  watches: WatchSpec[];
  /** Every unit observed ready. */
  ready: boolean;
  /** Units that were created or updated in this reconcile. */
  changed: string[];
  /** Units no longer wanted (`when` false) whose removal is complete: their records go. */
  removed: string[];
}

export type PluginSet = { readonly [K in UnitPlan["type"]]: DeployPlugin<Extract<UnitPlan, { type: K }>> };

function pluginFor(plugins: PluginSet, plan: UnitPlan): DeployPlugin {
  return plugins[plan.type];
}

/** What a failed create already knew, so the status can record it (its deploy may have left CRDs). */
export interface Attempted {
  plan: UnitPlan;
  crds?: string[];
}

/** The failure of one unit, with its name, so conditions can say which unit broke. */
export class UnitError extends Error {
  constructor(
    readonly unit: string,
    readonly action: UnitAction,
    cause: unknown,
    readonly attempted?: Attempted,
  ) {
    super(`unit ${unit}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "UnitError";
  }
}

async function act(
  plugin: DeployPlugin,
  plan: UnitPlan,
  scope: UnitScope,
  seen: Observation,
): Promise<UnitAction> {
  if (!seen.exists) {
    await plugin.create(plan, scope);
    return "create";
  }
  if (!seen.upToDate) {
    await plugin.update(plan, scope);
    return "update";
  }
  return "none";
}

interface UnitOutcome {
  action: UnitAction;
  before: Observation;
  after: Observation;
  failures: readonly ObjectFailure[];
  crds?: string[];
}

/**
 * Before a unit is created, which of the CRDs deletion would remove are not there yet: only
 * those are this object's to delete later (crds.ts). Taken on every create; the status keeps
 * the first one.
 */
async function crdsBeforeCreate(
  listed: readonly string[],
  scope: UnitScope,
  seen: Observation,
): Promise<string[] | undefined> {
  if (seen.exists || listed.length === 0) return undefined;
  return absentCrds(KubeClient.for(scope.kubeconfig), listed);
}

async function deployOne(
  plan: UnitPlan,
  plugins: PluginSet,
  scope: UnitScope,
  listedCrds: readonly string[],
): Promise<UnitOutcome> {
  const plugin = pluginFor(plugins, plan);
  const before = await plugin.observe(plan, scope);
  // Something outside the plan is missing: the unit is left as it is.
  if (before.waiting) return { action: "waiting", before, after: before, failures: [] };
  const crds = await crdsBeforeCreate(listedCrds, scope, before);
  let action: UnitAction;
  let failures: readonly ObjectFailure[] = [];
  try {
    action = await act(plugin, plan, scope, before);
  } catch (err) {
    action = before.exists ? "update" : "create";
    // Some objects were refused, the others applied: go on, and name the refused ones.
    if (!(err instanceof ObjectsNotApplied))
      throw new UnitError(plan.name, action, err, crds ? { plan, crds } : undefined);
    failures = err.failures;
  }
  // Observe again after a change: outputs (release revision, chart version) and readiness move on.
  const after = action === "none" ? before : await plugin.observe(plan, scope);
  return { action, before, after, failures, ...(crds ? { crds } : {}) };
}

/** The drift this reconcile corrected: what was found, less the objects that could not be applied. */
function correctedOf(outcome: UnitOutcome): DriftEntry[] {
  if (outcome.action !== "update") return [];
  const failed = new Set(outcome.failures.map((f) => refKey(f.object)));
  return outcome.before.drift.filter((d) => !failed.has(refKey(d.object)));
}

/** Whether the unit is wanted, or what its `when` waits for. */
function wantedOrWait(
  compiled: CompiledDescriptor,
  name: string,
  ctx: RenderContext,
): { wanted: boolean } | { waitingFor: string } {
  try {
    return { wanted: unitEnabled(compiled, name, ctx) };
  } catch (err) {
    if (isDataPending(err)) return { waitingFor: err.message };
    throw err;
  }
}

function renderOrWait(
  compiled: CompiledDescriptor,
  name: string,
  ctx: RenderContext,
): { plan: UnitPlan } | { waitingFor: string } {
  try {
    return { plan: renderUnit(compiled, name, ctx) };
  } catch (err) {
    if (isDataPending(err)) return { waitingFor: err.message };
    throw err;
  }
}

export interface DeployInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  scope: UnitScope;
  /** What the status records as deployed: a unit no longer wanted is removed from it. */
  records?: readonly UnitRecord[];
}

function emptyReport(): DeployReport {
  return {
    units: [],
    outputs: {},
    corrected: [],
    failures: [],
    objects: [],
    watches: [],
    ready: true,
    changed: [],
    removed: [],
  };
}

/** A unit whose `when` is false: units depending on it go ahead; what it deployed is removed. */
async function disable(
  unit: CompiledDescriptor["units"][number],
  input: DeployInput,
  report: DeployReport,
): Promise<void> {
  const ctx = { ...input.ctx, deploy: report.outputs };
  const removal = await removeDisabled(unit, { ...input, ctx, records: input.records ?? [] });
  if (removal === "gone") {
    if (input.records?.some((r) => r.name === unit.name)) {
      report.removed.push(unit.name);
      report.changed.push(unit.name);
    }
    report.units.push({ name: unit.name, action: "disabled" });
    return;
  }
  report.ready = false;
  report.units.push({ name: unit.name, action: "removing", waitingFor: `unit ${unit.name} to be removed` });
}

export async function deployUnits(input: DeployInput): Promise<DeployReport> {
  const { compiled, ctx, plugins, scope } = input;
  const report = emptyReport();
  const ready = new Set<string>();
  for (const unit of compiled.units) {
    const wanted = wantedOrWait(compiled, unit.name, { ...ctx, deploy: report.outputs });
    if ("waitingFor" in wanted) {
      report.units.push({ name: unit.name, action: "waiting", waitingFor: wanted.waitingFor });
      report.ready = false;
      continue;
    }
    if (!wanted.wanted) {
      await disable(unit, input, report);
      // Nothing to wait for: units depending on it go ahead.
      ready.add(unit.name);
      continue;
    }
    const blocker = unit.dependsOn.find((d) => !ready.has(d));
    if (blocker !== undefined) {
      report.units.push({
        name: unit.name,
        action: "waiting",
        waitingFor: `unit ${blocker} to become ready`,
      });
      report.ready = false;
      continue;
    }
    const rendered = renderOrWait(compiled, unit.name, { ...ctx, deploy: report.outputs });
    if ("waitingFor" in rendered) {
      report.units.push({ name: unit.name, action: "waiting", waitingFor: rendered.waitingFor });
      report.ready = false;
      continue;
    }
    const outcome = await deployOne(rendered.plan, plugins, scope, compiled.deletion.crds);
    const { action, after, failures, crds } = outcome;
    if (after.waiting) {
      const { reason, message } = after.waiting;
      report.units.push({ name: unit.name, action, waitingFor: message, waitingReason: reason });
      report.ready = false;
      continue;
    }
    report.outputs[unit.name] = after.outputs;
    report.corrected.push(...correctedOf(outcome));
    report.failures.push(...failures.map((failure) => ({ unit: unit.name, failure })));
    report.objects.push(...after.objects);
    report.watches.push(...pluginFor(plugins, rendered.plan).watches(rendered.plan, scope));
    if (action !== "none") report.changed.push(unit.name);
    if (after.ready) ready.add(unit.name);
    else report.ready = false;
    report.units.push({
      name: unit.name,
      action,
      plan: rendered.plan,
      observation: after,
      ...(crds ? { crds } : {}),
    });
  }
  return report;
}
