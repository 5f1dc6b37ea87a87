export { TokenPlugin, DEFAULT_RENEW_FRACTION, type TokenPluginOptions } from "./plugin.js";
export {
  TOKEN_EXPIRES_ANNOTATION,
  TOKEN_FOR_ANNOTATION,
  TOKEN_RENEW_ANNOTATION,
  TOKEN_REQUEST_ANNOTATION,
} from "./secret.js";
