/**
 * The copy plugin: Secrets and ConfigMaps of the platform cluster copied to the target. The
 * copies are objects like a manifests unit's (owner labels, server-side apply, an inventory
 * that prunes copies no longer wanted, drift corrected), so the work is the manifests
 * plugin's; this plugin reads the sources (through the engine's watches: `scope.platform`)
 * and turns them into those objects. A source that is missing makes the unit wait.
 */
import type { CopyUnitPlan, KubeObject, ManifestsUnitPlan } from "../../descriptor/plan.js";
import { asManifestsUnit, ManifestsPlugin, type ManifestsPluginOptions } from "../manifests/index.js";
import { PluginError } from "../errors.js";
import type {
  DeployPlugin,
  DriftEntry,
  Observation,
  UnitPlanBase,
  UnitRecordFields,
  UnitScope,
  WatchSpec,
  Waiting,
} from "../types.js";
import { buildCopies, copyRefs, SOURCE_VERSION_ANNOTATION } from "./build.js";
import { refKey } from "../objects/drift.js";

function waitingObservation(waiting: Waiting, exists: boolean): Observation {
  // Nothing is created or changed while it waits; what was copied before stays.
  return {
    exists,
    upToDate: true,
    drift: [],
    ready: false,
    objects: [],
    outputs: { objects: [], ready: false },
    waiting,
  };
}

/**
 * A copy whose source changed differs from its source version too: that is a new source
 * (copied again without a DriftCorrected report), not someone editing the copy.
 */
function driftOnly(drift: DriftEntry[]): DriftEntry[] {
  const renewed = new Set(
    drift.filter((d) => d.field.includes(SOURCE_VERSION_ANNOTATION)).map((d) => refKey(d.object)),
  );
  return drift.filter((d) => d.reason === "missing" || !renewed.has(refKey(d.object)));
}

export class CopyPlugin implements DeployPlugin<CopyUnitPlan> {
  readonly type = "copy" as const;
  private readonly objects: ManifestsPlugin;

  constructor(options: ManifestsPluginOptions = {}) {
    this.objects = new ManifestsPlugin(options);
  }

  /** The copies to apply; throws when their sources are not there (the observe before said so). */
  private async desired(unit: CopyUnitPlan, scope: UnitScope): Promise<ManifestsUnitPlan> {
    const built = await buildCopies(unit, scope.platform);
    if ("waiting" in built) throw new PluginError(built.waiting.reason, built.waiting.message);
    return asManifestsUnit(unit, built.objects);
  }

  async observe(unit: CopyUnitPlan, scope: UnitScope): Promise<Observation> {
    const built = await buildCopies(unit, scope.platform);
    if ("waiting" in built) {
      // Whether copies are there (teardown asks before and after deleting them).
      const seen = await this.objects.observe(asManifestsUnit(unit, copyRefs(unit)), scope);
      return waitingObservation(built.waiting, seen.exists);
    }
    const seen = await this.objects.observe(asManifestsUnit(unit, built.objects), scope);
    return { ...seen, drift: driftOnly(seen.drift) };
  }

  async create(unit: CopyUnitPlan, scope: UnitScope): Promise<void> {
    await this.objects.create(await this.desired(unit, scope), scope);
  }

  async update(unit: CopyUnitPlan, scope: UnitScope): Promise<void> {
    await this.objects.update(await this.desired(unit, scope), scope);
  }

  /** The inventory on the target names the copies; the sources need not exist any more. */
  delete(unit: CopyUnitPlan, scope: UnitScope): Promise<void> {
    return this.objects.delete(asManifestsUnit(unit, copyRefs(unit)), scope);
  }

  async deployedObjects(unit: CopyUnitPlan, scope: UnitScope): Promise<KubeObject[]> {
    const built = await buildCopies(unit, scope.platform);
    const manifests = "waiting" in built ? copyRefs(unit) : built.objects;
    return this.objects.deployedObjects(asManifestsUnit(unit, manifests), scope);
  }

  watches(): WatchSpec[] {
    return [];
  }

  record(unit: CopyUnitPlan): UnitRecordFields {
    const namespaces = this.namespaces(unit);
    return namespaces.length > 0 ? { namespaces } : {};
  }

  /** The inventory on the target names what to delete: the plan needs no items. */
  recordedPlan(base: UnitPlanBase): CopyUnitPlan {
    return { ...base, type: "copy", copy: { kind: "Secret", sourceNamespaces: [], items: [] } };
  }

  namespaces(unit: CopyUnitPlan): string[] {
    return [...new Set(unit.copy.items.map((i) => i.to.namespace))].sort();
  }

  /** spe's owner label marks every copy. */
  owns(): boolean {
    return false;
  }
}
