/**
 * What teardown deletes: a plan per unit, rendered from the current inputs or, when a unit no
 * longer renders (its config is gone, say), rebuilt from what the status recorded it deployed.
 */
import type {
  CompiledDescriptor,
  CompiledUnit,
  RenderContext,
  UnitOutputs,
  UnitPlan,
} from "../../descriptor/index.js";
import { RenderError, renderUnit } from "../../descriptor/index.js";
import type { UnitRecord } from "../status/api-object.js";
import { OWNER_LABEL, ownerHash } from "../../plugins/objects/owner.js";
import type { DeployPlugin, UnitScope } from "../../plugins/types.js";
import type { PluginSet } from "./deploy.js";
import { targetDown } from "./failures.js";
import { usedTargets, type TargetName, type Targets, type TargetScope } from "./targets.js";
import type { ObjectMeta } from "./user-objects.js";

export interface TeardownInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  /** The targets reached, and those not (teardown adds the ones it finds unreachable). */
  targets: Targets;
  /** What the status recorded as deployed, for units that no longer render. */
  records: readonly UnitRecord[];
}

export interface DeletionPlan {
  plan: UnitPlan;
  /** The cluster the unit is on. */
  target: TargetName;
  /** Rendered from the current inputs (observable), or rebuilt from the status record only. */
  rendered: boolean;
  /** Observed on the target (always assumed for a plan rebuilt from the record, or on a target not reached). */
  exists: boolean;
}

/** The target a record's unit is on (records from before targets were recorded: the default). */
export function recordTarget(compiled: CompiledDescriptor, record: UnitRecord): TargetName {
  return record.target ?? compiled.target.cluster;
}

/**
 * Runs `fn` on a target's scope; undefined when the target is not reached, or turns out to be
 * unreachable now (then it is recorded so, and the other targets go on). With only one target
 * a network failure stays the reconcile's failure, as it always was.
 */
export async function onTarget<T>(
  input: TeardownInput,
  target: TargetName,
  fn: (scope: TargetScope) => Promise<T>,
): Promise<{ value: T } | undefined> {
  const scope = input.targets.unreachable.has(target) ? undefined : input.targets.scopes.get(target);
  if (!scope) return undefined;
  try {
    return { value: await fn(scope) };
  } catch (err) {
    if (!targetDown(err) || usedTargets(input.compiled).length < 2) throw err;
    input.targets.unreachable.set(target, err);
    return undefined;
  }
}

/** A plan that only names what a unit deployed: enough for its plugin to delete it. */
export function recordedPlan(
  plugins: PluginSet,
  unit: CompiledUnit,
  record: UnitRecord | undefined,
): UnitPlan | undefined {
  if (!record) return undefined;
  const base = {
    name: unit.name,
    target: record.target ?? unit.target,
    dependsOn: unit.dependsOn,
    deletionPolicy: unit.deletionPolicy,
    readiness: unit.readiness,
  };
  return (plugins[record.type] as DeployPlugin | undefined)?.recordedPlan(base, record);
}

/**
 * Plans for deletion in apply order, so outputs feed later units as during
 * apply. A unit that no longer renders falls back to its status record.
 */
export async function plansForDeletion(input: TeardownInput): Promise<DeletionPlan[]> {
  const { compiled, ctx, plugins, records } = input;
  const outputs: Record<string, UnitOutputs> = {};
  const plans: DeletionPlan[] = [];
  for (const unit of compiled.units) {
    let plan: UnitPlan;
    const record = records.find((r) => r.name === unit.name);
    try {
      plan = renderUnit(compiled, unit.name, { ...ctx, deploy: outputs });
    } catch (err) {
      const fallback = recordedPlan(plugins, unit, record);
      // Never deployed (no record) and not renderable: nothing of it can exist.
      if (fallback)
        plans.push({ plan: fallback, target: fallback.target ?? unit.target, rendered: false, exists: true });
      else if (!(err instanceof RenderError)) throw err;
      continue;
    }
    // Where the record says it went: a unit moved to another target is removed where it was.
    const target = record ? recordTarget(compiled, record) : unit.target;
    const seen = await onTarget(input, target, (scope) =>
      (plugins[plan.type] as DeployPlugin).observe({ ...plan, target }, scope),
    );
    if (seen?.value.exists) outputs[unit.name] = seen.value.outputs;
    plans.push({ plan: { ...plan, target }, target, rendered: true, exists: seen?.value.exists ?? true });
  }
  return plans;
}

/**
 * Whether an object is one spe deployed for this API object: labelled with its owner hash
 * (what spe applies itself), or marked as part of a unit by the unit's plugin (a release's
 * annotations, say). Such objects go with the units and are no end user's.
 */
export function deployedByUs(
  plugins: PluginSet,
  plans: readonly DeletionPlan[],
  owner: UnitScope["owner"],
): (meta: ObjectMeta) => boolean {
  const hash = ownerHash(owner);
  return (meta) =>
    meta.labels?.[OWNER_LABEL] === hash ||
    plans.some(({ plan }) => (plugins[plan.type] as DeployPlugin).owns(plan, meta));
}

/** The namespaces the units' objects went to, as planned or recorded (give those of one target). */
export function unitNamespaces(
  plugins: PluginSet,
  plans: readonly DeletionPlan[],
  records: readonly UnitRecord[],
): string[] {
  const fromPlans = plans.flatMap(({ plan }) => (plugins[plan.type] as DeployPlugin).namespaces(plan));
  const fromRecords = records.flatMap((r) => [
    ...(r.namespace ? [r.namespace] : []),
    ...(r.namespaces ?? []),
  ]);
  return [...new Set([...fromPlans, ...fromRecords])];
}
