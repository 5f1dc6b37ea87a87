export { CopyPlugin } from "./plugin.js";
export { SOURCE_ANNOTATION, SOURCE_VERSION_ANNOTATION } from "./build.js";
