/**
 * The per-object half of observe, shared by the plugins: read the live object, dry-run the
 * desired one with server-side apply, diff the two (drift.ts) and compute kstatus.
 */
import type { KubeObject } from "../descriptor/plan.js";
import { detectDrift, ownershipMatches, refOf } from "./drift.js";
import { KubeApiError, KubeClient } from "./kube/client.js";
import { computeStatus } from "./kstatus.js";
import type { DriftEntry, ObjectStatus } from "./types.js";

export interface ObjectObservation {
  live: KubeObject | undefined;
  status: ObjectStatus;
  drift: DriftEntry[];
  /** The applier owns exactly the fields the plan sets (false after a plan dropped a field). */
  ownershipMatches: boolean;
}

async function liveOf(client: KubeClient, desired: KubeObject): Promise<KubeObject | undefined> {
  try {
    return await client.get(refOf(desired));
  } catch (err) {
    // The kind itself is gone (its CRD was removed): the object is as missing as can be.
    if (err instanceof KubeApiError && err.reason === "NoKindMatch") return undefined;
    throw err;
  }
}

export async function observeObject(
  client: KubeClient,
  desired: KubeObject,
  manager: string,
): Promise<ObjectObservation> {
  const live = await liveOf(client, desired);
  if (!live) {
    return {
      live,
      status: { ...refOf(desired), phase: "NotFound", message: "Object not found" },
      drift: detectDrift(desired, undefined, manager),
      ownershipMatches: false,
    };
  }
  const dryRun = await client.apply(desired, { manager, force: true, dryRun: true });
  const { phase, message } = computeStatus(live);
  return {
    live,
    status: { ...refOf(desired), phase, message },
    drift: detectDrift(dryRun, live, manager),
    ownershipMatches: ownershipMatches(dryRun, live, manager),
  };
}

/** Observes objects one after another (a unit is small; this keeps API load predictable). */
export async function observeObjects(
  client: KubeClient,
  desired: KubeObject[],
  manager: string,
): Promise<ObjectObservation[]> {
  const out: ObjectObservation[] = [];
  for (const obj of desired) out.push(await observeObject(client, obj, manager));
  return out;
}
