/** What the engine serves per loaded descriptor. */
import type { CompiledDescriptor } from "../../descriptor/index.js";

export interface Provider {
  readonly compiled: CompiledDescriptor;
  /** Directory chart paths are relative to (the descriptor's folder; cwd for ConfigMaps). */
  readonly baseDir: string;
  /** Where the descriptor came from, for messages. */
  readonly source: string;
}

export function apiVersionOf(provider: Provider): string {
  const { api } = provider.compiled;
  return `${api.group}/${api.storageVersion}`;
}

export function configApiVersionOf(provider: Provider): string {
  const { config } = provider.compiled;
  return `${config.group}/${config.version}`;
}
