/**
 * What the engine keeps of a helm unit between reconciles (its release, in status.units[])
 * and how it knows the unit's objects (helm's release annotations), behind the plugin contract.
 */
import type { HelmUnitPlan } from "../../descriptor/plan.js";
import type { ObjectMarks, UnitPlanBase, UnitRecordFields } from "../types.js";
import { annotatedWithRelease } from "./manifest.js";

export function helmRecord(unit: HelmUnitPlan): UnitRecordFields {
  return { releaseName: unit.helm.releaseName, namespace: unit.helm.namespace };
}

/** The namespace a helm unit creates and deploys into: its release's. */
export function helmNamespaces(unit: HelmUnitPlan): string[] {
  return [unit.helm.namespace];
}

/** The release a record names, as a plan enough to uninstall it (no chart, no values). */
export function helmRecordedPlan(base: UnitPlanBase, record: UnitRecordFields): HelmUnitPlan | undefined {
  if (!record.releaseName || !record.namespace) return undefined;
  return {
    ...base,
    type: "helm",
    helm: {
      releaseName: record.releaseName,
      namespace: record.namespace,
      chart: {},
      values: {},
      createNamespace: false,
      adopt: "never",
    },
  };
}

/** An object annotated as part of the unit's release. */
export function inRelease(unit: HelmUnitPlan, object: ObjectMarks): boolean {
  return annotatedWithRelease(object.annotations, {
    name: unit.helm.releaseName,
    namespace: unit.helm.namespace,
  });
}
