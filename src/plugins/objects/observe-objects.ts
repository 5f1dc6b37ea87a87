/**
 * The per-object half of observe, shared by the plugins: read the live object, dry-run the
 * desired one with server-side apply, diff the two (drift.ts) and compute kstatus.
 *
 * With the engine's watches (scope.cache) an object whose watched fingerprint was already
 * verified against this very desired object costs no request: its readiness comes from the
 * watch; nor does one its watch saw deleted (ADR 0007). Anything else (not watched yet,
 * changed since, a new plan) takes the full path.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import { detectDrift, ownershipMatches, refOf } from "./drift.js";
import { desiredHashOf, fingerprintOf } from "./fingerprint.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import { computeStatus } from "../kstatus/kstatus.js";
import type { DriftEntry, ObjectStatus, TargetCache } from "../types.js";

export interface ObjectObservation {
  /** Whether the object exists (known from the API or from a verified watch entry). */
  exists: boolean;
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

function missing(desired: KubeObject, manager: string): ObjectObservation {
  return {
    exists: false,
    status: { ...refOf(desired), phase: "NotFound", message: "Object not found" },
    drift: detectDrift(desired, undefined, manager),
    ownershipMatches: false,
  };
}

/**
 * The full path: GET, server-side-apply dry-run, diff. When the watch shows the object
 * there (`present`), the two requests go out side by side: a drift correction is that much
 * sooner. Otherwise the dry-run waits for the GET, since a dry-run of a missing object would
 * be a create dry-run, thrown away.
 */
async function observeLive(
  client: KubeClient,
  desired: KubeObject,
  manager: string,
  present: boolean,
): Promise<ObjectObservation & { live?: KubeObject }> {
  const dryRunOf = (): Promise<KubeObject> => client.apply(desired, { manager, force: true, dryRun: true });
  const early = present ? dryRunOf() : undefined;
  // Settled either way before we return: a rejected dry-run of an object found missing is moot.
  early?.catch(() => undefined);
  const live = await liveOf(client, desired);
  if (!live) return missing(desired, manager);
  const dryRun = await (early ?? dryRunOf()).catch(refused);
  const { phase, message } = computeStatus(live);
  const status = { ...refOf(desired), phase, message };
  if (!dryRun) return { ...unverifiable(desired, live, manager), status };
  return {
    live,
    exists: true,
    status,
    drift: detectDrift(dryRun, live, manager),
    ownershipMatches: ownershipMatches(dryRun, live, manager),
  };
}

/** A dry-run the apiserver refused (the merged object is invalid, admission denies it): undefined. */
function refused(err: unknown): undefined {
  if (err instanceof KubeApiError && [400, 403, 422].includes(err.status)) return undefined;
  throw err;
}

/**
 * An object whose apply the apiserver refuses, even as a dry-run (a list key changed out of
 * band, an admission policy): its drift is what the rendered object itself says against the
 * live one (no defaults to go by, so a field the plan leaves to the server is not compared),
 * and the correction that follows goes past the refusal or names it (apply-object.ts).
 * Never verified: without the dry-run there is no applied state to remember.
 */
function unverifiable(
  desired: KubeObject,
  live: KubeObject,
  manager: string,
): Omit<ObjectObservation, "status"> {
  const drift = detectDrift(desired, live, manager);
  return { exists: true, drift, ownershipMatches: drift.length === 0 };
}

export async function observeObject(
  client: KubeClient,
  desired: KubeObject,
  manager: string,
  cache?: TargetCache,
): Promise<ObjectObservation> {
  const ref = refOf(desired);
  const hash = cache ? desiredHashOf(desired) : "";
  const known = cache?.verified(ref, hash);
  if (known) {
    const status: ObjectStatus = { ...ref, phase: known.phase };
    if (known.message !== undefined) status.message = known.message;
    return { exists: true, status, drift: [], ownershipMatches: true };
  }
  // Seen deleted by its watch: re-created by the apply that follows, which is safe even if the
  // watch is behind (a forced apply of our own fields is what correcting drift sends anyway).
  if (cache?.deleted(ref)) return missing(desired, manager);
  const present = cache?.object(ref) !== undefined;
  const { live, ...seen } = await observeLive(client, desired, manager, present);
  if (cache && live && seen.drift.length === 0 && seen.ownershipMatches)
    cache.verify(ref, fingerprintOf(live), hash);
  return seen;
}

/** Observes objects one after another (a unit is small; this keeps API load predictable). */
export async function observeObjects(
  client: KubeClient,
  desired: KubeObject[],
  manager: string,
  cache?: TargetCache,
): Promise<ObjectObservation[]> {
  const out: ObjectObservation[] = [];
  for (const obj of desired) out.push(await observeObject(client, obj, manager, cache));
  return out;
}
