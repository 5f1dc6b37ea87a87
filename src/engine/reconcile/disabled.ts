/**
 * A unit whose `when` yields false is not wanted: what it deployed before goes, as teardown
 * would remove it. Only a unit the status records as deployed is looked at, so a unit that
 * was never wanted costs no request.
 */
import type { CompiledUnit, RenderContext, UnitPlan } from "../../descriptor/index.js";
import { RenderError, renderUnit, type CompiledDescriptor } from "../../descriptor/index.js";
import type { DeployPlugin, UnitScope } from "../../plugins/types.js";
import type { UnitRecord } from "../status/api-object.js";
import { recordedPlan } from "./deletion-plans.js";
import type { PluginSet } from "./deploy.js";

export interface DisabledInput {
  compiled: CompiledDescriptor;
  ctx: RenderContext;
  plugins: PluginSet;
  scope: UnitScope;
  records: readonly UnitRecord[];
}

/** `gone`: nothing of the unit is left (or it is orphaned); `removing`: deleted, not gone yet. */
export type Removal = "gone" | "removing";

/** The unit as last deployed: rendered from the inputs if it still renders, else from its record. */
function planFor(
  unit: CompiledUnit,
  record: UnitRecord,
  input: DisabledInput,
): { plan: UnitPlan; rendered: boolean } | undefined {
  try {
    return { plan: renderUnit(input.compiled, unit.name, input.ctx), rendered: true };
  } catch (err) {
    if (!(err instanceof RenderError)) throw err;
    const plan = recordedPlan(input.plugins, unit, record);
    return plan === undefined ? undefined : { plan, rendered: false };
  }
}

/** Removes what a no longer wanted unit deployed; resolves when that is gone or on its way. */
export async function removeDisabled(unit: CompiledUnit, input: DisabledInput): Promise<Removal> {
  const record = input.records.find((r) => r.name === unit.name);
  if (record === undefined || unit.deletionPolicy === "orphan") return "gone";
  const found = planFor(unit, record, input);
  if (found === undefined) return "gone";
  const plugin = input.plugins[found.plan.type] as DeployPlugin;
  if (found.rendered && !(await plugin.observe(found.plan, input.scope)).exists) return "gone";
  await plugin.delete(found.plan, input.scope);
  if (!found.rendered) return "gone";
  return (await plugin.observe(found.plan, input.scope)).exists ? "removing" : "gone";
}
