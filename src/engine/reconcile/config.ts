/**
 * The config serving an API object and the render context built on it: the choice by
 * reference field, label selector or name (descriptor/config-choice.ts) over the configs the
 * informer holds, its validation, and the ConfigResolved condition saying which or why none.
 */
import type { CompiledDescriptor, KubeObject, RenderContext } from "../../descriptor/index.js";
import { chooseConfig, describeIssues, validateConfig } from "../../descriptor/index.js";
import type { ApiObject } from "../status/api-object.js";
import { configNotResolved, configResolved } from "../status/conditions.js";
import type { StatusDraft } from "../status/status.js";

/** The configs of a provider as its informer holds them. */
export interface ConfigCache {
  /** By key, "name" or "namespace/name". */
  get(key: string): KubeObject | undefined;
  list(): KubeObject[];
}

export interface Resolved {
  config: KubeObject;
  ctx: RenderContext;
}

const HOW = {
  ref: "named by the object",
  name: "by name",
  selector: "matches the selector",
  kept: "chosen before; kept while it exists",
};

/** Config and render context, or a ConfigResolved=False condition on `draft` saying why not. */
export function resolveConfig(
  compiled: CompiledDescriptor,
  configs: ConfigCache,
  obj: ApiObject,
  draft: StatusDraft,
): Resolved | undefined {
  const { kind } = compiled.config;
  const choice = chooseConfig(compiled, obj, configs.list(), obj.status?.providerConfigRef);
  if (!choice.ok) {
    draft.set(configNotResolved(choice.message, choice.reason));
    return undefined;
  }
  const { config } = choice;
  const name = config.metadata.name;
  const issues = validateConfig(compiled, config);
  if (issues.length > 0) {
    draft.set(configNotResolved(`${kind} "${name}" is invalid: ${describeIssues(issues)}`, "InvalidConfig"));
    return undefined;
  }
  draft.set(
    configResolved(`${kind} "${name}" resolved${choice.by === "name" ? "" : ` (${HOW[choice.by]})`}`),
  );
  const target = {
    cluster: compiled.target.cluster,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
  return { config, ctx: { api: obj, config, target } };
}

/** The config a deleting object's teardown renders with: its recorded one, else its choice, else none. */
export function configForTeardown(
  compiled: CompiledDescriptor,
  configs: ConfigCache,
  obj: ApiObject,
): KubeObject | undefined {
  const recorded = obj.status?.providerConfigRef;
  const kept =
    recorded && configs.get(recorded.namespace ? `${recorded.namespace}/${recorded.name}` : recorded.name);
  if (kept) return kept;
  try {
    const choice = chooseConfig(compiled, obj, configs.list(), recorded);
    return choice.ok ? choice.config : undefined;
  } catch {
    return undefined;
  }
}
