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
import type { KubeClient } from "../../kube/client.js";
import { OWNER_LABEL, ownerHash } from "../../plugins/objects/owner.js";
import type { DeployPlugin, UnitScope } from "../../plugins/types.js";
import type { PluginSet } from "./deploy.js";
import type { ObjectMeta } from "./user-objects.js";

export interface TeardownInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  scope: UnitScope & { client: KubeClient };
  /** What the status recorded as deployed, for units that no longer render. */
  records: readonly UnitRecord[];
}

export interface DeletionPlan {
  plan: UnitPlan;
  /** Rendered from the current inputs (observable), or rebuilt from the status record only. */
  rendered: boolean;
  /** Observed on the target (always assumed for a plan rebuilt from the record). */
  exists: boolean;
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
  const { compiled, ctx, plugins, scope, records } = input;
  const outputs: Record<string, UnitOutputs> = {};
  const plans: DeletionPlan[] = [];
  for (const unit of compiled.units) {
    let plan: UnitPlan;
    try {
      plan = renderUnit(compiled, unit.name, { ...ctx, deploy: outputs });
    } catch (err) {
      const fallback = recordedPlan(
        plugins,
        unit,
        records.find((r) => r.name === unit.name),
      );
      // Never deployed (no record) and not renderable: nothing of it can exist.
      if (fallback) plans.push({ plan: fallback, rendered: false, exists: true });
      else if (!(err instanceof RenderError)) throw err;
      continue;
    }
    const seen = await (plugins[plan.type] as DeployPlugin).observe(plan, scope);
    if (seen.exists) outputs[unit.name] = seen.outputs;
    plans.push({ plan, rendered: true, exists: seen.exists });
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

/** The namespaces the units' objects went to, as planned or recorded. */
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
