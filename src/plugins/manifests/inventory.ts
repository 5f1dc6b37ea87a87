/**
 * The inventory: a ConfigMap on the target cluster listing, in apply order, every object a
 * manifests unit applied. Why a stored list and not only labels: pruning by label would have
 * to list every kind on the cluster, and a kind that left the plan altogether would never be
 * looked at; the list names exactly what to delete, in which order, even after a restart.
 * The owner labels on each object remain, for watches and for a safety check before deleting.
 */
import type { KubeObject } from "../../descriptor/plan.js";
import { refKey } from "../objects/drift.js";
import { fingerprintOf } from "../objects/fingerprint.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import { PluginError } from "../errors.js";
import { ensureNamespaces } from "../objects/namespaces.js";
import { dnsLabel, OWNER_ANNOTATION, ownerHash, ownerLabels, ownerRef } from "../objects/owner.js";
import type { ObjectRef, TargetCache, UnitScope } from "../types.js";

export const DEFAULT_INVENTORY_NAMESPACE = "spe-system";

export interface InventoryLocation {
  namespace: string;
  name: string;
}

export function inventoryLocation(scope: UnitScope, unit: string, namespace: string): InventoryLocation {
  return { namespace, name: `spe-inventory-${ownerHash(scope.owner)}-${dnsLabel(unit)}` };
}

export function inventoryRef(at: InventoryLocation): ObjectRef {
  return { apiVersion: "v1", kind: "ConfigMap", ...at };
}

/** An inventory's content with the fingerprint of the ConfigMap it was read from or written to. */
export interface Inventory {
  refs: ObjectRef[];
  fingerprint: string;
}

function isRef(value: unknown): value is ObjectRef {
  const r = value as Partial<ObjectRef> | null;
  return typeof r?.apiVersion === "string" && typeof r.kind === "string" && typeof r.name === "string";
}

/**
 * A 403 on the inventory: credentials allowed only in the namespaces a unit deploys to may
 * not keep it in the inventory namespace. Said as such, with what to grant, instead of the
 * apiserver's bare refusal of a ConfigMap the user never wrote.
 */
async function guarded<T>(at: InventoryLocation, verbs: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
    throw new PluginError(
      "InventoryForbidden",
      `forbidden: the manifests plugin keeps its inventory in ConfigMap ${at.namespace}/${at.name} on the target, ` +
        `and the target's credentials may not ${verbs} there: ${err.message}. ` +
        `Grant get, create, patch and delete on configmaps in namespace "${at.namespace}" ` +
        `(and get on that namespace, or create if it does not exist yet)`,
      { cause: err },
    );
  }
}

/** The recorded refs, or undefined when no inventory exists. */
export async function readInventory(
  client: KubeClient,
  at: InventoryLocation,
): Promise<Inventory | undefined> {
  const cm = await guarded(at, "read it", () => client.get(inventoryRef(at)));
  if (!cm) return undefined;
  const text = (cm.data as Record<string, string> | undefined)?.objects ?? "[]";
  const parsed: unknown = JSON.parse(text);
  return { refs: Array.isArray(parsed) ? parsed.filter(isRef) : [], fingerprint: fingerprintOf(cm) };
}

/** Writes the refs; resolves with the inventory as stored. */
export async function writeInventory(
  client: KubeClient,
  at: InventoryLocation,
  ctx: { scope: UnitScope; unit: string; cache?: TargetCache },
  refs: ObjectRef[],
): Promise<Inventory> {
  await guarded(at, "make sure its namespace exists", () =>
    ensureNamespaces(client, [at.namespace], [], ctx.cache),
  );
  const cm: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...at,
      labels: ownerLabels(ctx.scope.owner, ctx.unit),
      annotations: { [OWNER_ANNOTATION]: ownerRef(ctx.scope.owner) },
    },
    data: { objects: JSON.stringify(refs) },
  };
  const stored = await guarded(at, "write it", () => client.apply(cm, { manager: "spe", force: true }));
  return { refs, fingerprint: fingerprintOf(stored) };
}

export async function deleteInventory(client: KubeClient, at: InventoryLocation): Promise<void> {
  await guarded(at, "delete it", () => client.delete({ apiVersion: "v1", kind: "ConfigMap", ...at }));
}

/** Refs in `before` that are not in `after`, in `before`'s order. */
export function removed(before: ObjectRef[], after: ObjectRef[]): ObjectRef[] {
  const keep = new Set(after.map(refKey));
  return before.filter((r) => !keep.has(refKey(r)));
}

/** The same refs in the same order. */
export function sameRefs(a: ObjectRef[], b: ObjectRef[]): boolean {
  return (
    a.length === b.length &&
    a.every((r, i) => {
      const other = b[i];
      return other !== undefined && refKey(r) === refKey(other);
    })
  );
}

/** `a` followed by the refs of `b` that `a` lacks. */
export function union(a: ObjectRef[], b: ObjectRef[]): ObjectRef[] {
  return [...a, ...removed(b, a)];
}
