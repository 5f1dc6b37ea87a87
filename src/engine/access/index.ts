export { AccessError, isAccessError, type AccessErrorReason } from "./errors.js";
export { parseKubeconfig } from "./kubeconfig.js";
export {
  ClusterAccess,
  ACCESS_REQUEST,
  DEFAULT_KEY,
  type AccessSpec,
  type ClusterAccessOptions,
} from "./resolver.js";
export { verifyAccess } from "./verify.js";
