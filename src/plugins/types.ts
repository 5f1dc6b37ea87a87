/**
 * The plugin contract (the seed's runtime contract, per deploy unit):
 * observe, then create or update only where needed; delete in reverse DAG order.
 * Plugins never touch API-object status; the engine owns conditions and events.
 */
import type { KubeConfig } from "../kube/kubeconfig.js";
import type { KubeObject, UnitOutputs, UnitPlan } from "../descriptor/plan.js";

export type { ObjectRef } from "../kube/object.js";
import type { ObjectRef } from "../kube/object.js";

/** One field that differs between what was rendered and what is live. */
export interface DriftEntry {
  object: ObjectRef;
  /** JSON path of the field, e.g. `.spec.replicas`; empty for a missing object. */
  field: string;
  reason: "missing" | "changed";
  /** The desired and live values of a changed field, for messages (never for Secret data). */
  desired?: unknown;
  live?: unknown;
  /** Field manager that last wrote the field, when the server says so. */
  manager?: string;
}

/** kstatus phases (sigs.k8s.io/cli-utils), plus NotFound for an object that is not there. */
export type StatusPhase = "Current" | "InProgress" | "Failed" | "Terminating" | "NotFound" | "Unknown";

export interface ObjectStatus extends ObjectRef {
  phase: StatusPhase;
  message?: string;
}

/**
 * Why a unit cannot be deployed now although it rendered: something it reads outside the plan
 * (a copy's source on the platform cluster) is not there. The engine leaves the unit as it is,
 * reports `reason` on the Deployed condition, and goes on with the units that do not need it.
 */
export interface Waiting {
  /** CamelCase, a condition reason (`SourceNotFound`). */
  reason: string;
  /** Names what is missing; never any Secret data. */
  message: string;
}

export interface Observation {
  exists: boolean;
  /** True when the live release/objects do not match the plan (including plan changes). */
  upToDate: boolean;
  drift: DriftEntry[];
  ready: boolean;
  objects: ObjectStatus[];
  outputs: UnitOutputs;
  /** Set when the unit waits for something outside the plan: nothing is created or updated. */
  waiting?: Waiting;
  /**
   * When the unit needs work again though nothing changes (ms since the epoch: a token to
   * renew): the engine reconciles the object by then.
   */
  dueAt?: number;
}

/** A deployed object as the engine's watch of the target last saw it (no request needed). */
export interface WatchedObject {
  uid: string;
  resourceVersion: string;
  /** What drift depends on (fingerprint.ts): changes with spec, labels and annotations, not with status. */
  fingerprint: string;
  /** kstatus of the object as watched. */
  phase: StatusPhase;
  message?: string;
}

/**
 * A set of objects a plugin keeps its own bookkeeping in (release records, say), watched
 * metadata-only by the engine. One watch per (cluster, kind, namespace, labelSelector) is
 * shared by everyone who asks; `labels` narrows it to the objects this unit cares about, so a
 * change of the others does not wake its owner.
 */
export interface WatchSpec {
  apiVersion: string;
  kind: string;
  namespace: string;
  /** The watch's label selector, as the API server takes it. */
  labelSelector: string;
  /** Of what the watch sees, the objects whose labels have these values. */
  labels: Readonly<Record<string, string>>;
}

/** An object of a watched set as its metadata-only watch last saw it. */
export interface ListedObject {
  name: string;
  resourceVersion: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * What the engine's watches know of one target cluster, so that a reconcile in which nothing
 * changed needs no request. Every answer is a hint from memory: undefined means "not known"
 * (kind or namespace not watched yet, not listed yet, or not there), and the plugin asks the
 * API server instead. Lookups start the watches they need. Memory decides "nothing to do",
 * and one more thing (ADR 0007): that something a listed watch does not show is missing, so
 * creating it needs no read first. The create then guards itself (a server-side apply cannot
 * create twice; helm refuses a release name in use).
 */
export interface TargetCache {
  object(ref: ObjectRef): WatchedObject | undefined;
  /**
   * The objects of a watched set (an empty list: the watch has listed and holds none of
   * them), or undefined while the watch has not listed yet.
   */
  list(spec: WatchSpec): readonly ListedObject[] | undefined;
  /** Records that the live object with this fingerprint matched the desired object (by hash), drift-free. */
  verify(ref: ObjectRef, fingerprint: string, desiredHash: string): void;
  /**
   * verify() for the object as the apiserver answered a forced apply of ours: until the watch
   * catches up with that write (for a few seconds at most), the answer stands in for the
   * watched object, so the observe right after a correction needs no request.
   */
  verifyWritten(ref: ObjectRef, written: WatchedObject, desiredHash: string): void;
  /**
   * The object's watch saw it deleted and has not seen it since (nor has a write of ours
   * re-created it): it is missing, no GET needed.
   */
  deleted(ref: ObjectRef): boolean;
  /** The watched object (or our own newer write of it), if verified against this desired hash. */
  verified(ref: ObjectRef, desiredHash: string): WatchedObject | undefined;
}

/**
 * One change a plugin made on the target: the engine writes one info line for each, so the
 * operator's log reads as what happened (installed, upgraded, rolled back, corrected, deleted).
 */
export interface ActionRecord {
  unit: string;
  action:
    "installed" | "upgraded" | "rolled back" | "uninstalled" | "drift corrected" | "updated" | "deleted";
  /** The helm release acted on, and its revision afterwards (none once it is gone). */
  release?: { name: string; namespace: string; revision?: number };
  /** How many objects were written (drift corrected, manifests). */
  objects?: number;
  durationMs: number;
}

/** The API object a plugin acts for, by the names the engine queues it under. */
export interface OwnerRef {
  provider: string;
  /** Empty for a cluster-scoped API object. */
  namespace: string;
  name: string;
}

/** An object on the platform cluster a unit reads (a chart's credentials Secret, its CA bundle). */
export interface PlatformRef {
  apiVersion: "v1";
  kind: "Secret" | "ConfigMap";
  namespace: string;
  name: string;
}

/** What a plugin is given to act on one target cluster for one API object. */
export interface UnitScope {
  /** Access to the target (mcp or workload) cluster. */
  kubeconfig: KubeConfig;
  /** Stable identity of the owning API object, used for labels, release names and inventories. */
  owner: { provider: string; group: string; kind: string; namespace: string; name: string; uid: string };
  /** Directory of the descriptor, for chart paths. */
  baseDir: string;
  signal?: AbortSignal;
  /** The engine's watches of the target; without it every observe asks the API server. */
  cache?: TargetCache;
  /** Told of each change the plugin made on the target (for the log). */
  onAction?: (record: ActionRecord) => void;
  /**
   * Reads an object on the platform cluster that the unit's plan names (already checked
   * against the namespaces the descriptor allows); undefined when it is not there. The engine
   * watches what is read, so its change wakes the API object. Absent outside the engine.
   */
  platform?: (ref: PlatformRef) => Promise<KubeObject | undefined>;
  /**
   * The access to another target of the same API object (a token minted on the MCP for a unit
   * on the workload cluster); undefined for a target not reached. Absent outside a deploy.
   */
  cluster?: (target: "mcp" | "workload" | "platform") => KubeConfig | undefined;
}

/**
 * What the API object's status (`status.units[]`) keeps of a deployed unit beside its name and
 * type, filled in by its plugin: enough to delete the unit once it no longer renders, and to
 * know which namespaces it used. The API CRD declares these fields.
 */
export interface UnitRecordFields {
  /** helm: the release. */
  releaseName?: string;
  /** The namespace the unit deploys into (helm: the release's). */
  namespace?: string;
  /** The namespaces the unit's objects went to (manifests). */
  namespaces?: string[];
}

/** What every unit plan has, whatever its plugin. */
export type UnitPlanBase = Pick<UnitPlan, "name" | "dependsOn" | "deletionPolicy" | "readiness">;

/** The metadata of an object on the target by which a plugin recognises its own. */
export interface ObjectMarks {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface DeployPlugin<U extends UnitPlan = UnitPlan> {
  readonly type: U["type"];
  observe(unit: U, scope: UnitScope): Promise<Observation>;
  create(unit: U, scope: UnitScope): Promise<void>;
  update(unit: U, scope: UnitScope): Promise<void>;
  /** Removes what the unit deployed; resolves once the removal was accepted. */
  delete(unit: U, scope: UnitScope): Promise<void>;
  /** Objects this plugin deployed for the unit, so the engine can watch them for drift. */
  deployedObjects(unit: U, scope: UnitScope): Promise<KubeObject[]>;
  /**
   * The sets of objects besides the deployed ones whose changes matter to the unit (where the
   * plugin keeps its own records): the engine watches them and wakes the unit's owner on a
   * change. Read through `TargetCache.list`.
   */
  watches(unit: U, scope: UnitScope): WatchSpec[];
  /**
   * The API object is gone (deleted, its units removed or orphaned): drop whatever is kept in
   * memory on its behalf. Called once it is gone for good; what it deployed may still exist.
   */
  forget?(owner: OwnerRef): void;
  /** What the status records of the unit (UnitRecordFields). */
  record(unit: U): UnitRecordFields;
  /** A plan naming what a recorded unit deployed, enough to delete it; undefined when the record says too little. */
  recordedPlan(base: UnitPlanBase, record: UnitRecordFields): U | undefined;
  /** The namespaces the unit's objects go to. */
  namespaces(unit: U): string[];
  /** Whether an object on the target is part of what the unit deployed by the plugin's own marks (spe's owner label aside). */
  owns(unit: U, object: ObjectMarks): boolean;
}
