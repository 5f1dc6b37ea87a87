/** The shape of an API object (ServiceProviderAPI) as the engine reads and writes it. */
import type { Condition, Phase } from "./conditions.js";
import type { KubeObject, TargetName, UnitPlan } from "../../descriptor/index.js";
import type { UnitRecordFields } from "../../plugins/types.js";

/** openMCP's managed-resource entry. */
export interface ResourceEntry {
  /** Absent for the core group. */
  apiGroup?: string;
  kind: string;
  name: string;
  namespace?: string;
  phase: string;
  message?: string;
  /** The target the object is on: mcp, workload or platform. */
  location?: string;
}

export interface DriftRecord {
  object: { apiVersion: string; kind: string; name: string; namespace?: string };
  field: string;
  reason: string;
  manager?: string;
  correctedAt: string;
}

/**
 * What a unit deployed, enough to remove it without rendering (see teardown): its name and
 * plugin, what its plugin records of it (UnitRecordFields), and the CRDs it created.
 */
export interface UnitRecord extends UnitRecordFields {
  name: string;
  type: UnitPlan["type"];
  /** The cluster the unit deployed to; absent in records from before targets were recorded (the default). */
  target?: TargetName;
  /**
   * The CRDs of `spec.deletion.crds` that were not on the target when the unit was first
   * created: the ones its deploy (or the service it started) put there, and the only ones
   * teardown deletes. Taken once and kept; absent when spe never saw the unit created.
   */
  crds?: string[];
}

/**
 * The ProviderConfig a status reflects: openMCP's `status.providerConfigRef` (landscaper
 * records the chosen config's name there), with the config's generation spe deployed with.
 */
export interface ConfigRef {
  name: string;
  namespace?: string;
  generation?: number;
}

export interface ApiStatus {
  observedGeneration?: number;
  phase?: Phase;
  conditions?: Condition[];
  resources?: ResourceEntry[];
  drift?: DriftRecord[];
  units?: UnitRecord[];
  providerConfigRef?: ConfigRef;
  [key: string]: unknown;
}

export type ApiObject = KubeObject & {
  metadata: KubeObject["metadata"] & {
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
  status?: ApiStatus;
};

/** openMCP's annotation: `ignore` pauses an object, `reconcile` forces one reconcile and is removed after. */
export const OPERATION_ANNOTATION = "openmcp.cloud/operation";

export function operationOf(obj: ApiObject): string | undefined {
  return obj.metadata.annotations?.[OPERATION_ANNOTATION];
}
