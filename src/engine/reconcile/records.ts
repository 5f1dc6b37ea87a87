/** The unit records the status keeps (status.units[]): name, plugin, what the plugin records, CRDs. */
import type { UnitPlan } from "../../descriptor/index.js";
import type { DeployPlugin } from "../../plugins/types.js";
import type { UnitRecord } from "../status/api-object.js";
import type { DeployReport, PluginSet } from "./deploy.js";

/** What a unit deployed, from its plan, with the CRDs that were absent before its create (if it was created). */
export function unitRecord(plugins: PluginSet, plan: UnitPlan, crds?: string[]): UnitRecord {
  const fields = (plugins[plan.type] as DeployPlugin).record(plan);
  return {
    name: plan.name,
    type: plan.type,
    ...(plan.target ? { target: plan.target } : {}),
    ...fields,
    ...(crds ? { crds } : {}),
  };
}

export function unitRecords(plugins: PluginSet, report: DeployReport): UnitRecord[] {
  return report.units.flatMap((u): UnitRecord[] => (u.plan ? [unitRecord(plugins, u.plan, u.crds)] : []));
}
