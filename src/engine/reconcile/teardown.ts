/**
 * The delete half: refuse while end users still have DomainServiceAPI objects on a target
 * (openMCP), or while that cannot be told; then delete units in reverse dependency order,
 * one unit at a time until it is gone; then the DomainService's CRDs that this object's
 * deploy put there; then the namespaces spe created that hold nothing else. Each target's
 * units are removed there; a unit on a target that cannot be reached stays, and so do the
 * units it depends on, while the others go; CRDs and namespaces wait until every unit is gone.
 */
import type { DeployPlugin } from "../../plugins/types.js";
import { isAccessError } from "../access/errors.js";
import { crdOwnership, deleteCrds, standingCrds, type CrdOwnership } from "./crds.js";
import {
  deployedByUs,
  onTarget,
  plansForDeletion,
  recordTarget,
  unitNamespaces,
  type DeletionPlan,
  type TeardownInput,
} from "./deletion-plans.js";
import { removeCreatedNamespaces } from "./namespaces.js";
import { describeUnreachable, usedTargets, type TargetName } from "./targets.js";
import { userObjects } from "./user-objects.js";

export type { TeardownInput } from "./deletion-plans.js";

export type BlockReason = "UserResourcesPresent" | "UserResourcesUnknown" | "CRDDeletionFailed";

export type TeardownResult =
  | { state: "blocked"; reason: BlockReason; message: string }
  | { state: "deleting"; message: string }
  /** A target could not be reached: what is on it (and what that depends on) stays for now. */
  | { state: "unreachable"; reason: string; message: string }
  /** `notes`: what was deliberately left on the target (not spe's to remove), for the log and the event. */
  | { state: "done"; message: string; notes: string[] };

type Step = Exclude<TeardownResult, { state: "done" }> | undefined;

/** The listed CRDs on one target and whose they are, by the records of the units there. */
function crdsOn(input: TeardownInput, target: TargetName): CrdOwnership {
  const records = input.records.filter((r) => recordTarget(input.compiled, r) === target);
  return crdOwnership(input.compiled.deletion.crds, records);
}

/**
 * Users' objects matter only while spe still has something to delete on the target: a unit,
 * or a CRD of its own that is not on its way out yet. Once all that is gone (or being deleted),
 * their kinds vanishing is spe's own doing, not a reason to block or warn.
 */
async function blockedOn(
  input: TeardownInput,
  plans: readonly DeletionPlan[],
  target: TargetName,
): Promise<Step> {
  const { compiled } = input;
  const here = plans.filter((p) => p.target === target);
  const crds = crdsOn(input, target);
  const found = await onTarget(input, target, async (scope) => {
    const standing = await standingCrds(scope.client, crds.ours);
    if (!here.some((p) => p.exists) && standing.length === 0) return undefined;
    return userObjects(scope.client, compiled.deletion.blockWhileExist, {
      ours: deployedByUs(input.plugins, here, scope.owner),
      deleting: new Set(crds.ours.filter((n) => !standing.includes(n))),
    });
  });
  const users = found?.value;
  if (users === undefined || users.state === "none") return undefined;
  const reason = users.state === "present" ? "UserResourcesPresent" : "UserResourcesUnknown";
  return { state: "blocked", reason, message: users.message };
}

async function blockedByUsers(input: TeardownInput, plans: readonly DeletionPlan[]): Promise<Step> {
  for (const target of usedTargets(input.compiled)) {
    const step = await blockedOn(input, plans, target);
    if (step) return step;
  }
  return undefined;
}

/** Deletes one unit on its target; "gone", "waiting" while it is still there, or "unreached". */
async function deleteOne(input: TeardownInput, dp: DeletionPlan): Promise<"gone" | "waiting" | "unreached"> {
  const { plan, rendered, target } = dp;
  const plugin = input.plugins[plan.type] as DeployPlugin;
  const done = await onTarget(input, target, async (scope) => {
    if (!rendered) {
      await plugin.delete(plan, scope);
      return "gone" as const;
    }
    if (!(await plugin.observe(plan, scope)).exists) return "gone" as const;
    await plugin.delete(plan, scope);
    return (await plugin.observe(plan, scope)).exists ? ("waiting" as const) : ("gone" as const);
  });
  return done?.value ?? "unreached";
}

/**
 * Deletes the units in reverse dependency order; waits while one is still there. A unit on a
 * target not reached stays, and the units it depends on stay with it.
 */
async function deleteUnits(input: TeardownInput, plans: readonly DeletionPlan[]): Promise<Step> {
  const kept = new Set<string>();
  for (const dp of [...plans].reverse()) {
    const { plan } = dp;
    if (plan.deletionPolicy === "orphan") continue;
    const outcome = kept.has(plan.name) ? "unreached" : await deleteOne(input, dp);
    if (outcome === "waiting")
      return { state: "deleting", message: `waiting for unit ${plan.name} to be removed` };
    if (outcome === "unreached") for (const dep of plan.dependsOn) kept.add(dep);
  }
  return undefined;
}

async function removeCrds(input: TeardownInput): Promise<Step> {
  for (const target of usedTargets(input.compiled)) {
    const ours = crdsOn(input, target).ours;
    if (ours.length === 0) continue;
    const deletion = (await onTarget(input, target, (scope) => deleteCrds(scope.client, ours)))?.value;
    if (deletion?.state === "failed")
      return { state: "blocked", reason: "CRDDeletionFailed", message: deletion.message };
    if (deletion?.state === "terminating")
      return { state: "deleting", message: `waiting for CRDs to be removed: ${deletion.names.join(", ")}` };
  }
  return undefined;
}

function leftCrds(input: TeardownInput): string[] {
  return usedTargets(input.compiled).flatMap((target) =>
    crdsOn(input, target).notOurs.map(
      (name) => `left CRD ${name}: spe's records do not show that this object's deploy created it`,
    ),
  );
}

/** A target that could not be reached: teardown waits for it, naming it. */
function unreachableStep(input: TeardownInput): Step {
  const { unreachable } = input.targets;
  if (unreachable.size === 0) return undefined;
  const first = [...unreachable.values()][0] ?? new Error("target unreachable");
  const reason = isAccessError(first) ? first.reason : "TargetUnreachable";
  return { state: "unreachable", reason, message: describeUnreachable(unreachable) };
}

/** The namespaces spe created on each target, removed once they hold nothing else. */
async function removeNamespaces(
  input: TeardownInput,
  plans: readonly DeletionPlan[],
): Promise<{ removing: string[]; kept: string[] }> {
  const out = { removing: [] as string[], kept: [] as string[] };
  for (const target of usedTargets(input.compiled)) {
    const names = unitNamespaces(
      input.plugins,
      plans.filter((p) => p.target === target),
      input.records.filter((r) => recordTarget(input.compiled, r) === target),
    );
    const result = (await onTarget(input, target, (scope) => removeCreatedNamespaces(scope.client, names)))
      ?.value;
    out.removing.push(...(result?.removing ?? []));
    out.kept.push(...(result?.kept ?? []));
  }
  return out;
}

export async function teardown(input: TeardownInput): Promise<TeardownResult> {
  const { compiled } = input;
  if (compiled.deletion.policy === "orphan")
    return { state: "done", message: "DomainService orphaned (deletion policy orphan)", notes: [] };
  const plans = await plansForDeletion(input);
  const step =
    (await blockedByUsers(input, plans)) ??
    (await deleteUnits(input, plans)) ??
    unreachableStep(input) ??
    (await removeCrds(input));
  if (step) return step;
  const namespaces = await removeNamespaces(input, plans);
  const late = unreachableStep(input);
  if (late) return late;
  if (namespaces.removing.length > 0)
    return {
      state: "deleting",
      message: `waiting for namespaces to be removed: ${namespaces.removing.join(", ")}`,
    };
  return { state: "done", message: "DomainService removed", notes: [...leftCrds(input), ...namespaces.kept] };
}
