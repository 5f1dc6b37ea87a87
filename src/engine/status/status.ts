/**
 * One status write per reconcile (Flux's deferred patch): the reconcile
 * collects conditions and data in a StatusDraft, and `commit` summarises
 * Ready, server-side applies the status subresource as `spe` and turns
 * condition transitions into Events. A reconcile that starts work for inputs
 * newer than a Ready status shows commits once before (Progressing), and the
 * final commit builds on what that one wrote.
 */
import { isDeepStrictEqual } from "node:util";
import type { KubeClient } from "../../kube/client.js";
import { refOf } from "../../plugins/objects/drift.js";
import type {
  ApiObject,
  ApiStatus,
  ConfigRef,
  DriftRecord,
  ResourceEntry,
  UnitRecord,
} from "./api-object.js";
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
  private configRef: ConfigRef | undefined;
  /** The status as last written (or read): what a commit compares with and sends Events for. */
  private written: ApiStatus | undefined;
  private version: string | undefined;

  constructor(
    private readonly obj: ApiObject,
    private readonly now: Date,
  ) {
    this.conditions = [...(obj.status?.conditions ?? [])];
    this.resources = obj.status?.resources;
    this.drift = [...(obj.status?.drift ?? [])];
    this.units = obj.status?.units;
    this.configRef = obj.status?.providerConfigRef;
    this.written = obj.status;
    this.version = obj.metadata.resourceVersion;
  }

  /** The API object this status is for, as it was read. */
  get object(): ApiObject {
    return this.obj;
  }

  /** The API object's resourceVersion after this draft's last write (as read before any). */
  get resourceVersion(): string | undefined {
    return this.version;
  }

  /** The config this status reflects (openMCP's status.providerConfigRef). */
  setConfigRef(ref: ConfigRef): this {
    this.configRef = ref;
    return this;
  }

  /**
   * Records the units applied; units that only wait keep their earlier record, and a unit
   * keeps the CRDs recorded at its first create (a later create finds them there already).
   */
  setUnits(units: UnitRecord[]): this {
    const earlier = new Map((this.units ?? []).map((u) => [u.name, u]));
    const applied = new Map(
      units.map((u) => {
        const crds = earlier.get(u.name)?.crds ?? u.crds;
        return [u.name, crds ? { ...u, crds } : u];
      }),
    );
    for (const [name, record] of earlier) if (!applied.has(name)) applied.set(name, record);
    this.units = [...applied.values()];
    return this;
  }

  /**
   * Drops the records of units that are gone for good (their `when` turned false). A record
   * that holds CRDs stays: teardown deletes only CRDs a record shows spe's deploy put there.
   */
  forgetUnits(names: readonly string[]): this {
    if (names.length === 0 || this.units === undefined) return this;
    this.units = this.units.filter((u) => !names.includes(u.name) || (u.crds?.length ?? 0) > 0);
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
    if (this.configRef) status.providerConfigRef = this.configRef;
    return status;
  }

  /**
   * Writes the status (unless unchanged since the last write); `onWritten` gets the object as
   * the apiserver stored it. The draft can be committed again: the next commit compares with
   * this one, and Ready's transition time starts from it.
   */
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
    const before = this.written;
    const unchanged = isDeepStrictEqual(JSON.parse(JSON.stringify(status)), before ?? {});
    if (!unchanged) {
      const written = (await client.send({
        method: "PATCH",
        path,
        body,
        contentType: "application/apply-patch+yaml",
      })) as ApiObject;
      this.version = written.metadata.resourceVersion;
      onWritten?.(written);
    }
    this.written = status;
    this.conditions = [...(status.conditions ?? [])];
    void recorder.conditionEvents(this.obj, before?.conditions ?? [], status.conditions ?? []);
    return status;
  }
}
