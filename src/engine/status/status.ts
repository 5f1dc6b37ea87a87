/**
 * One status write per reconcile (Flux's deferred patch): the reconcile
 * collects conditions and data in a StatusDraft, and `commit` summarises
 * Ready, server-side applies the status subresource as `spe` and turns
 * condition transitions into Events.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubeClient } from "../../kube/client.js";
import { refOf } from "../../plugins/objects/drift.js";
import type { ApiObject, ApiStatus, DriftRecord, ResourceEntry, UnitRecord } from "./api-object.js";
import { setCondition, summarizeReady, type Condition, type ConditionInput } from "./conditions.js";
import type { EventRecorder } from "./events.js";

const MAX_DRIFT_RECORDS = 10;
export const STATUS_MANAGER = "spe";

export class StatusDraft {
  private conditions: Condition[];
  private resources: ResourceEntry[] | undefined;
  private projection: Record<string, unknown> = {};
  private drift: DriftRecord[];
  private units: UnitRecord[] | undefined;

  constructor(
    private readonly obj: ApiObject,
    private readonly now: Date,
  ) {
    this.conditions = [...(obj.status?.conditions ?? [])];
    this.resources = obj.status?.resources;
    this.drift = [...(obj.status?.drift ?? [])];
    this.units = obj.status?.units;
  }

  /** The API object this status is for, as it was read. */
  get object(): ApiObject {
    return this.obj;
  }

  /** Records the units applied; units that only wait keep their earlier record. */
  setUnits(units: UnitRecord[]): this {
    const applied = new Map(units.map((u) => [u.name, u]));
    for (const earlier of this.units ?? [])
      if (!applied.has(earlier.name)) applied.set(earlier.name, earlier);
    this.units = [...applied.values()];
    return this;
  }

  set(condition: ConditionInput): this {
    this.conditions = setCondition(this.conditions, condition, this.now);
    return this;
  }

  setResources(resources: ResourceEntry[]): this {
    this.resources = resources;
    return this;
  }

  setProjection(fields: Record<string, unknown>): this {
    this.projection = fields;
    return this;
  }

  recordDrift(records: DriftRecord[]): this {
    this.drift = [...records, ...this.drift].slice(0, MAX_DRIFT_RECORDS);
    return this;
  }

  /** The status as it will be written. */
  build(): ApiStatus {
    const deleting = this.obj.metadata.deletionTimestamp !== undefined;
    const generation = this.obj.metadata.generation;
    const { ready, phase } = summarizeReady(this.conditions, {
      deleting,
      ...(generation === undefined ? {} : { generation }),
    });
    const conditions = setCondition(this.conditions, ready, this.now);
    // Ready first, as openMCP's providers list it.
    conditions.sort((a, b) => (a.type === "Ready" ? -1 : b.type === "Ready" ? 1 : 0));
    const status: ApiStatus = { ...this.projection, phase, conditions };
    if (generation !== undefined) status.observedGeneration = generation;
    if (this.resources) status.resources = this.resources;
    if (this.drift.length > 0) status.drift = this.drift;
    if (this.units && this.units.length > 0) status.units = this.units;
    return status;
  }

  /** Writes the status (unless unchanged); `onWritten` gets the object as the apiserver stored it. */
  async commit(
    client: KubeClient,
    recorder: EventRecorder,
    onWritten?: (obj: ApiObject) => void,
  ): Promise<ApiStatus> {
    const status = this.build();
    const { apiVersion, kind, metadata } = this.obj;
    const ref = refOf(this.obj);
    const path = `${await client.path(ref)}/status?fieldManager=${STATUS_MANAGER}&force=true`;
    const body = {
      apiVersion,
      kind,
      metadata: { name: metadata.name, namespace: metadata.namespace },
      status,
    };
    // A resync that changes nothing writes nothing: no request, no new resourceVersion, no watch event.
    const unchanged = isDeepStrictEqual(JSON.parse(JSON.stringify(status)), this.obj.status ?? {});
    if (!unchanged) {
      const written = await client.send({
        method: "PATCH",
        path,
        body,
        contentType: "application/apply-patch+yaml",
      });
      onWritten?.(written as ApiObject);
    }
    void recorder.conditionEvents(this.obj, this.obj.status?.conditions ?? [], status.conditions ?? []);
    return status;
  }
}
