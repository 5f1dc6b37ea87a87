/** The deploy plugins and what the engine needs around them. Re-exports only. */
export type {
  DeployPlugin,
  DriftEntry,
  ObjectRef,
  ObjectStatus,
  Observation,
  StatusPhase,
  UnitScope,
} from "./types.js";
export { computeStatus, type StatusResult } from "./kstatus.js";
export { detectDrift, ownershipMatches } from "./drift.js";
export { MANAGED_BY_LABEL, OWNER_LABEL, UNIT_LABEL, ownerHash, ownerLabels, ownerSelector } from "./owner.js";
export { KubeClient, KubeApiError, isNotFound } from "./kube/client.js";
export * from "./access/index.js";
export * from "./manifests/index.js";
export * from "./helm/index.js";
