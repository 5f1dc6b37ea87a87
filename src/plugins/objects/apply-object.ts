/**
 * Applying a unit's objects one by one, so that one the apiserver refuses neither stops the
 * others nor hides them: each object is applied (server-side, forced) and, where that cannot
 * converge, written another way (replace-fields.ts); what still fails is named, object by
 * object, in the error thrown once all were tried.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import { KubeApiError, type KubeClient } from "../../kube/client.js";
import type { ObjectRef } from "../types.js";
import { refOf } from "./drift.js";
import { isImmutableRejection, listFieldsToReplace, replacementPatch } from "./replace-fields.js";

export interface ApplyObjectOptions {
  /** The field manager: `spe`, or `helm` for a release's objects. */
  manager: string;
  /** Whether spe made the live object, so that it may delete and re-create it. */
  owns(live: KubeObject): boolean;
}

/** How an object was brought to its desired state. */
export type ApplyMethod = "applied" | "fields-replaced" | "recreated";

/** One object of a unit that could not be applied, and the apiserver's word why. */
export interface ObjectFailure {
  object: ObjectRef;
  /** The Status reason, e.g. `Invalid`, `Forbidden`. */
  reason: string;
  message: string;
}

export function describeObject(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

/** Objects of one unit that could not be applied; every other object of the unit was. */
export class ObjectsNotApplied extends Error {
  constructor(readonly failures: readonly ObjectFailure[]) {
    super(failures.map((f) => `${describeObject(f.object)} not applied: ${f.message}`).join("; "));
    this.name = "ObjectsNotApplied";
  }
}

/** The apiserver refused the object as invalid; anything else (network, RBAC) is rethrown. */
function invalid(err: unknown): KubeApiError {
  if (err instanceof KubeApiError && err.status === 422) return err;
  throw err;
}

/**
 * Delete and create: the last resort, for a field that may not change. Only for an object spe
 * made, and only once a dry-run create has shown that the server takes the new object (it
 * fails for the name alone), so that a create refused by validation or admission cannot
 * leave the object gone.
 */
async function recreate(
  client: KubeClient,
  desired: KubeObject,
  options: ApplyObjectOptions,
  refused: KubeApiError,
): Promise<KubeObject> {
  const live = await client.get(refOf(desired));
  if (live && !options.owns(live)) throw refused;
  try {
    await client.create(desired, { manager: options.manager, dryRun: true });
  } catch (err) {
    if (!(err instanceof KubeApiError && err.reason === "AlreadyExists")) throw err;
  }
  const uid = live?.metadata.uid;
  if (typeof uid === "string") await client.delete(refOf(desired), "Background", uid);
  return client.apply(desired, { manager: options.manager, force: true });
}

/**
 * Brings one object to its desired state: a forced server-side apply; where the apiserver
 * refuses the merged result because a list's keys were changed, the named lists are replaced
 * whole (a merge patch as the same field manager) and the apply sent again; where a field may
 * not change at all, the object is re-created (recreate above).
 */
export async function applyObject(
  client: KubeClient,
  desired: KubeObject,
  options: ApplyObjectOptions,
): Promise<{ object: KubeObject; method: ApplyMethod }> {
  const apply = (): Promise<KubeObject> => client.apply(desired, { manager: options.manager, force: true });
  let refused: KubeApiError;
  try {
    return { object: await apply(), method: "applied" };
  } catch (err) {
    refused = invalid(err);
  }
  const lists = listFieldsToReplace(refused.causes, desired);
  if (lists.length > 0) {
    try {
      await client.mergePatch(refOf(desired), replacementPatch(desired, lists), options.manager);
      return { object: await apply(), method: "fields-replaced" };
    } catch (err) {
      refused = invalid(err);
    }
  }
  if (!isImmutableRejection(refused)) throw refused;
  return { object: await recreate(client, desired, options, refused), method: "recreated" };
}

export interface ApplyAllOptions extends ApplyObjectOptions {
  /** In order, one after another (a plan's order matters: a CRD before its objects); else side by side. */
  sequential?: boolean;
  signal?: AbortSignal;
  /** Told of each object the apiserver took, with its answer. */
  applied?: (desired: KubeObject, live: KubeObject) => void;
}

/** The failure to report for an object; an error that is not the apiserver's answer is rethrown. */
function failureOf(desired: KubeObject, err: unknown): ObjectFailure {
  if (!(err instanceof KubeApiError)) throw err;
  return { object: refOf(desired), reason: err.reason, message: err.message };
}

/**
 * Applies every object (applyObject), past the ones the apiserver refuses; then throws
 * ObjectsNotApplied naming those, if any. A failure that is not about one object (the
 * cluster unreachable, the reconcile cancelled) stops at once.
 */
export async function applyAll(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: ApplyAllOptions,
): Promise<void> {
  const one = async (obj: KubeObject): Promise<ObjectFailure | undefined> => {
    options.signal?.throwIfAborted();
    try {
      const { object } = await applyObject(client, obj, options);
      options.applied?.(obj, object);
      return undefined;
    } catch (err) {
      return failureOf(obj, err);
    }
  };
  const results: (ObjectFailure | undefined)[] = [];
  if (options.sequential) for (const obj of objects) results.push(await one(obj));
  else results.push(...(await Promise.all(objects.map(one))));
  const failures = results.filter((f): f is ObjectFailure => f !== undefined);
  if (failures.length > 0) throw new ObjectsNotApplied(failures);
}
