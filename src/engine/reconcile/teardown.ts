/**
 * The delete half: refuse while end users still have DomainServiceAPI objects on the target
 * (openMCP), or while that cannot be told; then delete units in reverse dependency order,
 * one unit at a time until it is gone; then the DomainService's CRDs that this object's
 * deploy put there; then the namespaces spe created that hold nothing else.
 */
import type { DeployPlugin } from "../../plugins/types.js";
import { crdOwnership, deleteCrds, standingCrds, type CrdOwnership } from "./crds.js";
import {
  deployedByUs,
  plansForDeletion,
  unitNamespaces,
  type DeletionPlan,
  type TeardownInput,
} from "./deletion-plans.js";
import { removeCreatedNamespaces } from "./namespaces.js";
import { userObjects } from "./user-objects.js";

export type { TeardownInput } from "./deletion-plans.js";

export type BlockReason = "UserResourcesPresent" | "UserResourcesUnknown" | "CRDDeletionFailed";

export type TeardownResult =
  | { state: "blocked"; reason: BlockReason; message: string }
  | { state: "deleting"; message: string }
  /** `notes`: what was deliberately left on the target (not spe's to remove), for the log and the event. */
  | { state: "done"; message: string; notes: string[] };

type Step = Exclude<TeardownResult, { state: "done" }> | undefined;

/**
 * Users' objects matter only while spe still has something to delete: a unit, or a CRD of its
 * own that is not on its way out yet. Once all that is gone (or being deleted), their kinds
 * vanishing is spe's own doing, not a reason to block or warn.
 */
async function blockedByUsers(
  input: TeardownInput,
  plans: readonly DeletionPlan[],
  crds: CrdOwnership,
): Promise<Step> {
  const { compiled, scope } = input;
  const standing = await standingCrds(scope.client, crds.ours);
  if (!plans.some((p) => p.exists) && standing.length === 0) return undefined;
  const found = await userObjects(scope.client, compiled.deletion.blockWhileExist, {
    ours: deployedByUs(input.plugins, plans, scope.owner),
    deleting: new Set(crds.ours.filter((n) => !standing.includes(n))),
  });
  if (found.state === "none") return undefined;
  const reason = found.state === "present" ? "UserResourcesPresent" : "UserResourcesUnknown";
  return { state: "blocked", reason, message: found.message };
}

/** Deletes the units in reverse dependency order; waits while one is still there. */
async function deleteUnits(input: TeardownInput, plans: readonly DeletionPlan[]): Promise<Step> {
  const { plugins, scope } = input;
  for (const { plan, rendered } of [...plans].reverse()) {
    if (plan.deletionPolicy === "orphan") continue;
    const plugin = plugins[plan.type] as DeployPlugin;
    if (!rendered) {
      await plugin.delete(plan, scope);
      continue;
    }
    const seen = await plugin.observe(plan, scope);
    if (!seen.exists) continue;
    await plugin.delete(plan, scope);
    const after = await plugin.observe(plan, scope);
    if (after.exists) return { state: "deleting", message: `waiting for unit ${plan.name} to be removed` };
  }
  return undefined;
}

async function removeCrds(input: TeardownInput, crds: CrdOwnership): Promise<Step> {
  const deletion = await deleteCrds(input.scope.client, crds.ours);
  if (deletion.state === "failed")
    return { state: "blocked", reason: "CRDDeletionFailed", message: deletion.message };
  if (deletion.state === "terminating")
    return { state: "deleting", message: `waiting for CRDs to be removed: ${deletion.names.join(", ")}` };
  return undefined;
}

function leftCrds(crds: CrdOwnership): string[] {
  return crds.notOurs.map(
    (name) => `left CRD ${name}: spe's records do not show that this object's deploy created it`,
  );
}

export async function teardown(input: TeardownInput): Promise<TeardownResult> {
  const { compiled, scope, records } = input;
  if (compiled.deletion.policy === "orphan")
    return { state: "done", message: "DomainService orphaned (deletion policy orphan)", notes: [] };
  const plans = await plansForDeletion(input);
  const crds = crdOwnership(compiled.deletion.crds, records);
  const step =
    (await blockedByUsers(input, plans, crds)) ??
    (await deleteUnits(input, plans)) ??
    (await removeCrds(input, crds));
  if (step) return step;
  const namespaces = await removeCreatedNamespaces(
    scope.client,
    unitNamespaces(input.plugins, plans, records),
  );
  if (namespaces.removing.length > 0)
    return {
      state: "deleting",
      message: `waiting for namespaces to be removed: ${namespaces.removing.join(", ")}`,
    };
  return { state: "done", message: "DomainService removed", notes: [...leftCrds(crds), ...namespaces.kept] };
}
