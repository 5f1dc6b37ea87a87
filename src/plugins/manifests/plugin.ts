/**
 * The manifests plugin: server-side apply (field manager `spe`, conflicts forced) of a unit's
 * objects in plan order, object by object past any the apiserver refuses (apply-object.ts), an inventory on the target to prune what left the plan, deletion in
 * reverse order without waiting (the engine requeues and observes).
 */
import type { KubeObject, ManifestsUnitPlan } from "../../descriptor/plan.js";
import { refOf } from "../objects/drift.js";
import { desiredHashOf } from "../objects/fingerprint.js";
import { watchedOf } from "../objects/written.js";
import { KubeApiError, KubeClient } from "../../kube/client.js";
import { ensureNamespaces } from "../objects/namespaces.js";
import { observeObjects } from "../objects/observe-objects.js";
import { applyAll, ObjectsNotApplied } from "../objects/apply-object.js";
import { OWNER_LABEL, ownerHash } from "../objects/owner.js";
import type {
  DeployPlugin,
  Observation,
  ObjectRef,
  TargetCache,
  UnitPlanBase,
  UnitRecordFields,
  UnitScope,
  WatchSpec,
} from "../types.js";
import {
  DEFAULT_INVENTORY_NAMESPACE,
  deleteInventory,
  inventoryLocation,
  inventoryRef,
  readInventory,
  removed,
  sameRefs,
  union,
  writeInventory,
  type Inventory,
  type InventoryLocation,
} from "./inventory.js";
import { prepareObjects } from "./prepare.js";

export const FIELD_MANAGER = "spe";

function elapsedMs(started: number): number {
  return Math.round(performance.now() - started);
}

/** A kind whose CRD was removed first: its objects are gone with it. */
function goneKind(err: unknown): undefined {
  if (err instanceof KubeApiError && err.reason === "NoKindMatch") return undefined;
  throw err;
}

export interface ManifestsPluginOptions {
  /** Namespace on the target cluster that holds the inventories (default `spe-system`). */
  inventoryNamespace?: string;
  /** Namespace for namespaced objects that name none (default `default`). */
  defaultNamespace?: string;
}

interface Ctx {
  client: KubeClient;
  scope: UnitScope;
  unit: string;
  inventory: InventoryLocation;
  /** Identity of the inventory across clusters, for the plugin's memory of it. */
  inventoryId: string;
  cache?: TargetCache;
}

/**
 * A unit whose objects are built by another plugin (copies, token Secrets) as a manifests unit
 * of those objects, so the manifests plugin applies, observes, prunes and deletes them.
 */
export function asManifestsUnit(unit: UnitPlanBase, manifests: KubeObject[]): ManifestsUnitPlan {
  const { name, dependsOn, deletionPolicy, readiness } = unit;
  return { name, dependsOn, deletionPolicy, readiness, type: "manifests", manifests };
}

export class ManifestsPlugin implements DeployPlugin<ManifestsUnitPlan> {
  readonly type = "manifests" as const;
  private readonly inventoryNamespace: string;
  private readonly defaultNamespace: string;
  /** Inventories as last read or written; used while the watch still shows the same ConfigMap. */
  private readonly inventories = new Map<string, Inventory>();

  constructor(options: ManifestsPluginOptions = {}) {
    this.inventoryNamespace = options.inventoryNamespace ?? DEFAULT_INVENTORY_NAMESPACE;
    this.defaultNamespace = options.defaultNamespace ?? "default";
  }

  private ctx(unit: ManifestsUnitPlan, scope: UnitScope): Ctx {
    const inventory = inventoryLocation(scope, unit.name, this.inventoryNamespace);
    const server = scope.kubeconfig.getCurrentCluster()?.server ?? "";
    const ctx: Ctx = {
      client: KubeClient.for(scope.kubeconfig),
      scope,
      unit: unit.name,
      inventory,
      inventoryId: `${server}|${inventory.namespace}|${inventory.name}`,
    };
    if (scope.cache) ctx.cache = scope.cache;
    return ctx;
  }

  /** The recorded inventory: from memory while the watched ConfigMap is the one remembered. */
  private async recorded(ctx: Ctx): Promise<ObjectRef[] | undefined> {
    const known = this.inventories.get(ctx.inventoryId);
    const watched = ctx.cache?.object(inventoryRef(ctx.inventory));
    if (known && watched?.fingerprint === known.fingerprint) return known.refs;
    const read = await readInventory(ctx.client, ctx.inventory);
    this.remember(ctx, read);
    return read?.refs;
  }

  private remember(ctx: Ctx, inventory: Inventory | undefined): void {
    if (inventory) this.inventories.set(ctx.inventoryId, inventory);
    else this.inventories.delete(ctx.inventoryId);
  }

  private async recordInventory(ctx: Ctx, refs: ObjectRef[], recorded: ObjectRef[]): Promise<void> {
    if (sameRefs(refs, recorded) && this.inventories.has(ctx.inventoryId)) return;
    this.remember(ctx, await writeInventory(ctx.client, ctx.inventory, ctx, refs));
  }

  /** Nothing besides the deployed objects: the inventory is read through `TargetCache.object`. */
  watches(): WatchSpec[] {
    return [];
  }

  record(unit: ManifestsUnitPlan): UnitRecordFields {
    const namespaces = this.namespaces(unit);
    return namespaces.length > 0 ? { namespaces } : {};
  }

  /** The inventory on the target names what to delete: the plan needs no objects. */
  recordedPlan(base: UnitPlanBase): ManifestsUnitPlan {
    return { ...base, type: "manifests", manifests: [] };
  }

  /** The namespaces the plan's objects name, sorted (objects without one go to the default namespace). */
  namespaces(unit: ManifestsUnitPlan): string[] {
    return [...new Set(unit.manifests.flatMap((m) => m.metadata.namespace ?? []))].sort();
  }

  /** spe's owner label marks every object this plugin applies; there is nothing else to go by. */
  owns(): boolean {
    return false;
  }

  /** The objects as spe applies them: owner labels added, namespaces settled. */
  async deployedObjects(unit: ManifestsUnitPlan, scope: UnitScope): Promise<KubeObject[]> {
    const { client } = this.ctx(unit, scope);
    return prepareObjects(client, unit.manifests, {
      scope,
      unit: unit.name,
      defaultNamespace: this.defaultNamespace,
    });
  }

  async observe(unit: ManifestsUnitPlan, scope: UnitScope): Promise<Observation> {
    const ctx = this.ctx(unit, scope);
    const desired = await this.deployedObjects(unit, scope);
    const recorded = await this.recorded(ctx);
    const seen = await observeObjects(ctx.client, desired, FIELD_MANAGER, scope.cache);
    const drift = seen.flatMap((s) => s.drift);
    const stale = removed(recorded ?? [], desired.map(refOf));
    const objects = seen.map((s) => s.status);
    const ready = unit.readiness.kind === "none" || objects.every((o) => o.phase === "Current");
    return {
      exists: recorded !== undefined || seen.some((s) => s.exists),
      upToDate:
        recorded !== undefined &&
        stale.length === 0 &&
        drift.length === 0 &&
        seen.every((s) => s.ownershipMatches),
      drift,
      ready,
      objects,
      outputs: { objects: desired.map(refOf), ready },
    };
  }

  create(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    return this.apply(unit, scope, "installed");
  }

  update(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    return this.apply(unit, scope, "updated");
  }

  /**
   * Records old ∪ new in the inventory before touching anything (a crash mid-way still knows
   * every object), applies, prunes what left the plan, then records exactly the new set.
   */
  private async apply(
    unit: ManifestsUnitPlan,
    scope: UnitScope,
    action: "installed" | "updated",
  ): Promise<void> {
    const started = performance.now();
    const ctx = this.ctx(unit, scope);
    const desired = await this.deployedObjects(unit, scope);
    const refs = desired.map(refOf);
    const recorded = (await this.recorded(ctx)) ?? [];
    const before = union(recorded, refs);
    await this.recordInventory(ctx, before, recorded);
    const namespaces = desired.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
    await ensureNamespaces(ctx.client, namespaces, desired, ctx.cache);
    const hash = ownerHash(scope.owner);
    let failed: ObjectsNotApplied | undefined;
    try {
      await applyAll(ctx.client, desired, {
        manager: FIELD_MANAGER,
        sequential: true,
        ...(scope.signal ? { signal: scope.signal } : {}),
        owns: (live) => live.metadata.labels?.[OWNER_LABEL] === hash,
        // Right after a forced apply the live object holds exactly these values for spe's fields.
        applied: (obj, live) => ctx.cache?.verifyWritten(refOf(obj), watchedOf(live), desiredHashOf(obj)),
      });
    } catch (err) {
      // The others were applied: prune and record as usual, then name the ones that were not.
      if (!(err instanceof ObjectsNotApplied)) throw err;
      failed = err;
    }
    await this.deleteOwned(ctx, removed(recorded, refs).reverse());
    await this.recordInventory(ctx, refs, before);
    const objects = desired.length - (failed?.failures.length ?? 0);
    scope.onAction?.({ unit: unit.name, action, objects, durationMs: elapsedMs(started) });
    if (failed) throw failed;
  }

  async delete(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    const started = performance.now();
    const ctx = this.ctx(unit, scope);
    const recorded = (await readInventory(ctx.client, ctx.inventory))?.refs;
    const refs = recorded ?? (await this.deployedObjects(unit, scope)).map(refOf);
    const deleted = unit.deletionPolicy === "orphan" ? 0 : await this.deleteOwned(ctx, [...refs].reverse());
    await deleteInventory(ctx.client, ctx.inventory);
    this.remember(ctx, undefined);
    if (recorded || deleted > 0)
      scope.onAction?.({
        unit: unit.name,
        action: "deleted",
        objects: deleted,
        durationMs: elapsedMs(started),
      });
  }

  /**
   * Deletes each object that still carries this owner's label; an object someone else took
   * over (label changed) or recreated is left alone.
   */
  private async deleteOwned(ctx: Ctx, refs: ObjectRef[]): Promise<number> {
    const hash = ownerHash(ctx.scope.owner);
    let deleted = 0;
    for (const ref of refs) {
      ctx.scope.signal?.throwIfAborted();
      const live = await ctx.client.get(ref).catch(goneKind);
      if (live?.metadata.labels?.[OWNER_LABEL] !== hash) continue;
      if (live.metadata.deletionTimestamp) continue;
      if (await ctx.client.delete(ref)) deleted++;
    }
    return deleted;
  }
}
