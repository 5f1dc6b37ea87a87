export { HelmPlugin, HELM_FIELD_MANAGER, type HelmPluginOptions } from "./plugin.js";
export { HelmWorker, helmOperationCount, helmWorkerStarts, type HelmWorkerOptions } from "./worker-client.js";
export { HelmError, isHelmError, type HelmErrorReason } from "./errors.js";
export { RenderCache, type RenderKey } from "./render-cache.js";
export { CHART_DIGEST_LABEL, template, VALUES_HASH_LABEL } from "./commands.js";
export { templateFailure, type TemplateFailure } from "./template-errors.js";
export { latestRelease, type HelmRelease, type ReleaseStatus } from "./release.js";
