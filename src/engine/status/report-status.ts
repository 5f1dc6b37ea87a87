/** Pure translations of a DeployReport into status parts: conditions and resources. */
import type { ObjectStatus } from "../../plugins/types.js";
import { describeObject, refKey } from "../../plugins/index.js";
import type { ResourceEntry } from "./api-object.js";
import {
  deployed,
  deployFailed,
  Reason,
  resourcesNotReady,
  resourcesReady,
  type ConditionInput,
} from "./conditions.js";
import type { DeployReport } from "../reconcile/deploy.js";

const MAX_LISTED = 5;

function describeStatus(o: ObjectStatus): string {
  return `${describeObject(o)}: ${o.phase}${o.message ? ` (${o.message})` : ""}`;
}

/** "unit app: ConfigMap ns/settings not applied: <the apiserver's message>", the first few. */
function describeFailures(report: DeployReport): string {
  const listed = report.failures
    .slice(0, MAX_LISTED)
    .map(
      ({ unit, failure }) =>
        `unit ${unit}: ${describeObject(failure.object)} not applied: ${failure.message}`,
    );
  const more = report.failures.length - listed.length;
  return listed.join("; ") + (more > 0 ? `; and ${more} more` : "");
}

export function deployedCondition(report: DeployReport): ConditionInput {
  if (report.failures.length > 0) return deployFailed(describeFailures(report), Reason.ApplyFailed);
  const waiting = report.units.filter((u) => u.action === "waiting" || u.action === "removing");
  // A unit waiting for something outside the plan (a copy's source) is not deployed: its reason says why.
  const blocked = waiting.filter((u) => u.waitingReason !== undefined);
  if (blocked.length > 0)
    return deployFailed(
      blocked.map((u) => `unit ${u.name}: ${u.waitingFor ?? ""}`).join("; "),
      blocked[0]?.waitingReason,
    );
  if (waiting.length === 0) return deployed("All deploy units applied");
  return deployed(`Applied; waiting: ${waiting.map((u) => `${u.name} (${u.waitingFor ?? ""})`).join(", ")}`);
}

export function readinessCondition(report: DeployReport): ConditionInput {
  if (report.ready) return resourcesReady();
  // A unit waiting for a live value: what it waits for, the object and field, says most.
  const live = report.units.filter((u) => u.waitingLive !== undefined);
  if (live.length > 0)
    return resourcesNotReady(
      live.map((u) => `unit ${u.name}: ${u.waitingLive ?? ""}`).join("; "),
      Reason.LiveValuePending,
    );
  const notReady = report.objects.filter((o) => o.phase !== "Current");
  if (notReady.length > 0)
    return resourcesNotReady(notReady.slice(0, MAX_LISTED).map(describeStatus).join("; "));
  const waiting = report.units
    .filter((u) => u.action === "waiting" || u.action === "removing")
    .map((u) => u.name);
  return resourcesNotReady(waiting.length > 0 ? `waiting for ${waiting.join(", ")}` : "not ready yet");
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The key of a deployed object on its target. */
function locatedKey(target: string, ref: Parameters<typeof refKey>[0]): string {
  return `${target}\u0000${refKey(ref)}`;
}

/**
 * The deployed objects as openMCP lists them; `location` is the target each is on. One that
 * could not be applied says so, with the apiserver's reason.
 */
export function resourceEntries(report: DeployReport): ResourceEntry[] {
  const failed = new Map(
    report.failures.map(({ target, failure }) => [locatedKey(target, failure.object), failure]),
  );
  return report.objects.map((o) => {
    const failure = failed.get(locatedKey(o.target, o));
    const message = failure ? `not applied: ${failure.message}` : o.message;
    return {
      ...(groupOf(o.apiVersion) === "" ? {} : { apiGroup: groupOf(o.apiVersion) }),
      kind: o.kind,
      name: o.name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
      phase: o.phase,
      ...(message ? { message } : {}),
      location: o.target,
    };
  });
}
