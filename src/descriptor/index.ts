/** The descriptor core shared by the engine and the CLI. Re-exports only. */
export type {
  ProviderDescriptor,
  DescriptorSource,
  LoadResult,
  ParseOptions,
  ConfigMapLike,
} from "./load.js";
export { loadDescriptors, loadFromConfigMap, parseDescriptor, safeParseDescriptors } from "./load.js";
export type { SourceReader } from "./refs.js";
export { fileReader, configMapReader } from "./refs.js";
export type * from "./compiled.js";
export { compileDescriptor, safeCompileDescriptor } from "./compile.js";
export type { RenderContext, TargetContext } from "./evaluate.js";
export type { PartialPlan } from "./render.js";
export { renderUnit, renderPlan, renderAvailable, projectStatus, unitEnabled } from "./render.js";
export type { LiveRead } from "./live.js";
export { describeLive, liveReads, liveValue } from "./live.js";
export type { ResolvedAccess } from "./inputs.js";
export {
  validateApiObject,
  validateConfig,
  describeIssues,
  resolveConfigRef,
  pollIntervalMs,
  resolveTargetAccess,
} from "./inputs.js";
export { apiCrd, configCrd, generateCrds } from "./crds.js";
export { lintPaths, lintLoaded, lintDescriptor } from "./lint.js";
export type { Issue, IssuePath, Severity, Result, RenderFailure } from "./issues.js";
export {
  DescriptorError,
  RenderError,
  isDataPending,
  isInvalidInput,
  isExpressionBug,
  formatIssue,
  formatPath,
  hasErrors,
} from "./issues.js";
export type * from "./types.gen.js";
export type * from "./plan.js";
export type { OfflineInput, OfflineRender } from "./harness.js";
export { renderOffline, simulateOutputs } from "./harness.js";
export { applyDefaults } from "./inputs.js";
export type { ConfigChoice, ChosenRef } from "./config-choice.js";
export type { WriteBack } from "./write-back.js";
export { carriesWriteBack, withWriteBack, writeBackMetadata } from "./write-back.js";
export { chooseConfig, selectorMatches, selectorText } from "./config-choice.js";
export { nameHash } from "./functions.js";
