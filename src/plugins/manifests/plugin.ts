/**
 * The manifests plugin: server-side apply (field manager `spe`, conflicts forced) of a unit's
 * objects in plan order, an inventory on the target to prune what left the plan, deletion in
 * reverse order without waiting (the engine requeues and observes).
 */
import type { KubeObject, ManifestsUnitPlan } from "../../descriptor/plan.js";
import { refOf } from "../drift.js";
import { KubeApiError, KubeClient } from "../kube/client.js";
import { ensureNamespaces } from "../kube/namespaces.js";
import { observeObjects } from "../observe-objects.js";
import { OWNER_LABEL, ownerHash } from "../owner.js";
import type { DeployPlugin, Observation, ObjectRef, UnitScope } from "../types.js";
import {
  DEFAULT_INVENTORY_NAMESPACE,
  deleteInventory,
  inventoryLocation,
  readInventory,
  removed,
  union,
  writeInventory,
  type InventoryLocation,
} from "./inventory.js";
import { prepareObjects } from "./prepare.js";

export const FIELD_MANAGER = "spe";

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
}

export class ManifestsPlugin implements DeployPlugin<ManifestsUnitPlan> {
  readonly type = "manifests" as const;
  private readonly inventoryNamespace: string;
  private readonly defaultNamespace: string;

  constructor(options: ManifestsPluginOptions = {}) {
    this.inventoryNamespace = options.inventoryNamespace ?? DEFAULT_INVENTORY_NAMESPACE;
    this.defaultNamespace = options.defaultNamespace ?? "default";
  }

  private ctx(unit: ManifestsUnitPlan, scope: UnitScope): Ctx {
    const inventory = inventoryLocation(scope, unit.name, this.inventoryNamespace);
    return { client: KubeClient.for(scope.kubeconfig), scope, unit: unit.name, inventory };
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
    const recorded = await readInventory(ctx.client, ctx.inventory);
    const seen = await observeObjects(ctx.client, desired, FIELD_MANAGER);
    const drift = seen.flatMap((s) => s.drift);
    const stale = removed(recorded ?? [], desired.map(refOf));
    const objects = seen.map((s) => s.status);
    const ready = unit.readiness.kind === "none" || objects.every((o) => o.phase === "Current");
    return {
      exists: recorded !== undefined || seen.some((s) => s.live !== undefined),
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
    return this.apply(unit, scope);
  }

  update(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    return this.apply(unit, scope);
  }

  /**
   * Records old ∪ new in the inventory before touching anything (a crash mid-way still knows
   * every object), applies, prunes what left the plan, then records exactly the new set.
   */
  private async apply(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    const ctx = this.ctx(unit, scope);
    const desired = await this.deployedObjects(unit, scope);
    const refs = desired.map(refOf);
    const recorded = (await readInventory(ctx.client, ctx.inventory)) ?? [];
    await writeInventory(ctx.client, ctx.inventory, ctx, union(recorded, refs));
    const namespaces = desired.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : []));
    await ensureNamespaces(ctx.client, namespaces, desired);
    for (const obj of desired) {
      scope.signal?.throwIfAborted();
      await ctx.client.apply(obj, { manager: FIELD_MANAGER, force: true });
    }
    await this.deleteOwned(ctx, removed(recorded, refs).reverse());
    await writeInventory(ctx.client, ctx.inventory, ctx, refs);
  }

  async delete(unit: ManifestsUnitPlan, scope: UnitScope): Promise<void> {
    const ctx = this.ctx(unit, scope);
    const recorded = await readInventory(ctx.client, ctx.inventory);
    const refs = recorded ?? (await this.deployedObjects(unit, scope)).map(refOf);
    if (unit.deletionPolicy !== "orphan") await this.deleteOwned(ctx, [...refs].reverse());
    await deleteInventory(ctx.client, ctx.inventory);
  }

  /**
   * Deletes each object that still carries this owner's label; an object someone else took
   * over (label changed) or recreated is left alone.
   */
  private async deleteOwned(ctx: Ctx, refs: ObjectRef[]): Promise<void> {
    const hash = ownerHash(ctx.scope.owner);
    for (const ref of refs) {
      ctx.scope.signal?.throwIfAborted();
      const live = await ctx.client.get(ref).catch(goneKind);
      if (live?.metadata.labels?.[OWNER_LABEL] !== hash) continue;
      if (live.metadata.deletionTimestamp) continue;
      await ctx.client.delete(ref);
    }
  }
}
