/**
 * A deploy plugin's failure as the plugin classified it. The engine reports `reason` as the
 * reason of the API object's Deployed condition and knows nothing else of the plugin: each
 * plugin names its own reasons (CamelCase, as condition reasons are).
 */
export class PluginError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PluginError";
  }
}
