export { asManifestsUnit, ManifestsPlugin, FIELD_MANAGER, type ManifestsPluginOptions } from "./plugin.js";
export { DEFAULT_INVENTORY_NAMESPACE } from "./inventory.js";
