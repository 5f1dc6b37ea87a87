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
export { computeStatus, type StatusResult } from "./kstatus/kstatus.js";
export { detectDrift, ownershipMatches, refKey } from "./objects/drift.js";
export { describeObject, ObjectsNotApplied, type ObjectFailure } from "./objects/apply-object.js";
export {
  MANAGED_BY_LABEL,
  OWNER_LABEL,
  UNIT_LABEL,
  ownerHash,
  ownerLabels,
  ownerSelector,
} from "./objects/owner.js";
export { PluginError } from "./errors.js";
// The plugins themselves (./helm/index.js, ./manifests/index.js) are imported by the engine's
// runtime wiring only: the rest of the engine knows them through the contract above.
