/**
 * The target clusters of one reconcile: a scope for each one spe reached, and for each one it
 * could not reach, why. Units on an unreachable target wait (and the units depending on them);
 * the other targets' units are deployed, corrected and removed as usual.
 */
import type { CompiledDescriptor, TargetName } from "../../descriptor/index.js";
import type { KubeClient } from "../../kube/client.js";
import type { UnitScope } from "../../plugins/types.js";

export type { TargetName } from "../../descriptor/index.js";

export interface TargetScope extends UnitScope {
  client: KubeClient;
}

export interface Targets {
  readonly scopes: ReadonlyMap<TargetName, TargetScope>;
  /** Targets that could not be reached, with the reason (an AccessError, a network error). */
  readonly unreachable: Map<TargetName, Error>;
}

/** The targets the descriptor's units deploy to, in the order the descriptor configures them. */
export function usedTargets(compiled: CompiledDescriptor): TargetName[] {
  const used = new Set(compiled.units.map((u) => u.target));
  return [...compiled.target.clusters.keys()].filter((t) => used.has(t));
}

/** The target a unit deploys to (a record from before targets were recorded: the default). */
export function targetOf(compiled: CompiledDescriptor, unit: string): TargetName {
  return compiled.units.find((u) => u.name === unit)?.target ?? compiled.target.cluster;
}

/** "target workload: <why>; target mcp: <why>" */
export function describeUnreachable(unreachable: ReadonlyMap<TargetName, Error>): string {
  return [...unreachable].map(([t, err]) => `target ${t}: ${err.message}`).join("; ");
}
