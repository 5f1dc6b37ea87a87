/**
 * The apply half of a reconcile: walk the units in dependency order, render
 * each with the outputs of the units before it, observe it, and create or
 * update only what differs. A unit waits while a unit it depends on is not
 * ready. Plugins do the work; this file only decides (Flux's observe →
 * classify → act once).
 */
import type { CompiledDescriptor, RenderContext, UnitOutputs, UnitPlan } from "../../descriptor/index.js";
import { isDataPending, renderUnit, unitEnabled, type RenderError } from "../../descriptor/index.js";
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
import type { KubeConfig } from "../../kube/kubeconfig.js";
import { absentCrds } from "./crds.js";
import { targetDown } from "./failures.js";
import { usedTargets, type TargetName, type Targets } from "./targets.js";
import { UnitError, type UnitAction } from "./unit-error.js";
import { emptyLive, readLive, withLive, type LiveReader, type LiveState } from "./live-reads.js";

export { UnitError, type Attempted, type UnitAction } from "./unit-error.js";

export interface UnitReport {
  name: string;
  action: UnitAction;
  /** Why a unit waits: the dependency that is not ready, or the data it needs. */
  waitingFor?: string;
  /** The plugin's reason when it waits for something outside the plan (a copy's source). */
  waitingReason?: string;
  /** Set when it waits for a live value: which, and the object and field it is read from. */
  waitingLive?: string;
  plan?: UnitPlan;
  observation?: Observation;
  /** The listed deletion CRDs that were absent when this reconcile created the unit. */
  crds?: string[];
}

/** A deployed object and the target it is on. */
export type LocatedObject = ObjectStatus & { target: TargetName };

export interface DeployReport {
  units: UnitReport[];
  outputs: Record<string, UnitOutputs>;
  /** Live values read from deployed objects (unit.live), what they are read from, and the objects read. */
  live: LiveState;
  /** Drift that this reconcile found and corrected (units updated because live state moved). */
  corrected: DriftEntry[];
  /** Objects that could not be applied, by unit; the reconcile is retried with backoff. */
  failures: { unit: string; target: TargetName; failure: ObjectFailure }[];
  objects: LocatedObject[];
  /** The sets of records the units' plugins keep, to be watched beside the objects, by target. */
  watches: { target: TargetName; spec: WatchSpec }[];
  /** Targets that could not be reached (before or during this deploy): their units wait. */
  unreachable: Map<TargetName, Error>;
  /** Every unit observed ready. */
  ready: boolean;
  /** Units that were created or updated in this reconcile. */
  changed: string[];
  /** Units no longer wanted (`when` false) whose removal is complete: their records go. */
  removed: string[];
  /** The earliest time a unit needs work though nothing changes (a token to renew), ms since the epoch. */
  dueAt?: number;
}

export type PluginSet = { readonly [K in UnitPlan["type"]]: DeployPlugin<Extract<UnitPlan, { type: K }>> };

function pluginFor(plugins: PluginSet, plan: UnitPlan): DeployPlugin {
  return plugins[plan.type];
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
): { wanted: boolean } | Wait {
  try {
    return { wanted: unitEnabled(compiled, name, ctx) };
  } catch (err) {
    if (isDataPending(err)) return waitOf(err);
    throw err;
  }
}

type Wait = { waitingFor: string; live?: string };

/** Why a render waits; for a live value, which one and what it is read from. */
function waitOf(err: RenderError): Wait {
  const live = err.issues.find((i) => i.code === "live-pending");
  return live === undefined ? { waitingFor: err.message } : { waitingFor: err.message, live: live.message };
}

function renderOrWait(
  compiled: CompiledDescriptor,
  name: string,
  ctx: RenderContext,
): { plan: UnitPlan } | Wait {
  try {
    return { plan: renderUnit(compiled, name, ctx) };
  } catch (err) {
    if (isDataPending(err)) return waitOf(err);
    throw err;
  }
}

export interface DeployInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  targets: Targets;
  /** What the status records as deployed: a unit no longer wanted is removed from it. */
  records?: readonly UnitRecord[];
  /** Reads the objects live values name (default: a GET). */
  live?: LiveReader;
}

/** What renders see: the input, the outputs of the units deployed so far and their live values. */
function renderCtx(input: DeployInput, report: DeployReport): RenderContext {
  return withLive({ ...input.ctx, deploy: report.outputs }, report.live);
}

function emptyReport(): DeployReport {
  return {
    units: [],
    outputs: {},
    live: emptyLive(),
    corrected: [],
    failures: [],
    objects: [],
    watches: [],
    unreachable: new Map(),
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
  const ctx = renderCtx(input, report);
  const scope = input.targets.scopes.get(unit.target);
  const removal = scope
    ? await removeDisabled(unit, { ...input, scope, ctx, records: input.records ?? [] })
    : "removing";
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

function wait(report: DeployReport, name: string, waitingFor: string, live?: string): void {
  report.units.push({
    name,
    action: "waiting",
    waitingFor,
    ...(live === undefined ? {} : { waitingLive: live }),
  });
  report.ready = false;
}

/** Deploys one rendered unit on its target and adds what came of it to the report. */
async function deployRendered(
  input: DeployInput,
  plan: UnitPlan,
  scope: UnitScope,
  report: DeployReport,
): Promise<boolean> {
  const target = plan.target ?? input.compiled.target.cluster;
  const outcome = await deployOne(plan, input.plugins, scope, input.compiled.deletion.crds);
  const { action, after, failures, crds } = outcome;
  if (after.waiting) {
    const { reason, message } = after.waiting;
    report.units.push({ name: plan.name, action, waitingFor: message, waitingReason: reason });
    report.ready = false;
    return false;
  }
  report.outputs[plan.name] = after.outputs;
  const objects = after.objects;
  await readLive(
    { compiled: input.compiled, unit: plan.name, target, scope, objects },
    renderCtx(input, report),
    report.live,
    input.live,
  );
  report.corrected.push(...correctedOf(outcome));
  report.failures.push(...failures.map((failure) => ({ unit: plan.name, target, failure })));
  report.objects.push(...after.objects.map((o) => ({ ...o, target })));
  report.watches.push(
    ...pluginFor(input.plugins, plan)
      .watches(plan, scope)
      .map((spec) => ({ target, spec })),
  );
  if (action !== "none") report.changed.push(plan.name);
  if (!after.ready) report.ready = false;
  if (after.dueAt !== undefined) report.dueAt = Math.min(report.dueAt ?? Infinity, after.dueAt);
  report.units.push({ name: plan.name, action, plan, observation: after, ...(crds ? { crds } : {}) });
  return after.ready;
}

/**
 * Deploys a unit on its target; a target found unreachable (now or before) makes the unit,
 * and every later unit on that target, wait. Resolves with whether the unit is ready.
 */
async function deployOnTarget(input: DeployInput, plan: UnitPlan, report: DeployReport): Promise<boolean> {
  const target = plan.target ?? input.compiled.target.cluster;
  const scope = input.targets.scopes.get(target);
  if (scope === undefined || report.unreachable.has(target)) {
    wait(report, plan.name, `target ${target} to be reachable`);
    return false;
  }
  // A unit may act on another target too (a token minted there): those reached so far.
  const cluster = (t: TargetName): KubeConfig | undefined =>
    report.unreachable.has(t) ? undefined : input.targets.scopes.get(t)?.kubeconfig;
  try {
    return await deployRendered(input, plan, { ...scope, cluster }, report);
  } catch (err) {
    if (!targetDown(err) || usedTargets(input.compiled).length < 2) throw err;
    report.unreachable.set(target, err);
    wait(report, plan.name, `target ${target} to be reachable`);
    return false;
  }
}

export async function deployUnits(input: DeployInput): Promise<DeployReport> {
  const { compiled } = input;
  const report = emptyReport();
  for (const [target, err] of input.targets.unreachable) report.unreachable.set(target, err);
  const ready = new Set<string>();
  for (const unit of compiled.units) {
    const wanted = wantedOrWait(compiled, unit.name, renderCtx(input, report));
    if ("waitingFor" in wanted) {
      wait(report, unit.name, wanted.waitingFor, wanted.live);
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
      wait(report, unit.name, `unit ${blocker} to become ready`);
      continue;
    }
    const rendered = renderOrWait(compiled, unit.name, renderCtx(input, report));
    if ("waitingFor" in rendered) {
      wait(report, unit.name, rendered.waitingFor, rendered.live);
      continue;
    }
    if (await deployOnTarget(input, rendered.plan, report)) ready.add(unit.name);
  }
  return report;
}
