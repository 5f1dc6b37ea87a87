/**
 * Whether a status still claims Ready for inputs older than the ones a reconcile is about to
 * work from (pure). While an upgrade for a new spec generation or config runs, or waits its
 * turn for a plugin's operation slot, the object must say Progressing: Ready may not claim new inputs before they
 * converged, and a Ready that silently describes the old ones misleads whoever waits for it.
 */
import type { KubeObject } from "../../descriptor/index.js";
import type { ApiObject, ConfigRef } from "./api-object.js";
import { deployProgressing, type ConditionInput } from "./conditions.js";

/** The identity of a config as status.providerConfigRef records it. */
export function configRefOf(config: KubeObject): ConfigRef {
  const { name, namespace, generation } = config.metadata;
  return {
    name,
    ...(namespace ? { namespace } : {}),
    ...(typeof generation === "number" ? { generation } : {}),
  };
}

function sameConfig(a: ConfigRef, b: ConfigRef): boolean {
  return a.name === b.name && a.namespace === b.namespace && a.generation === b.generation;
}

/**
 * The Deployed condition to write before any work, when the status says Ready for another
 * spec generation or config than `obj` and `config` now are; undefined otherwise. A status
 * from before spe recorded the config (no providerConfigRef) is not taken as another config.
 */
export function progressingFor(obj: ApiObject, config: ConfigRef): ConditionInput | undefined {
  const status = obj.status;
  if (status?.phase !== "Ready") return undefined;
  const generation = obj.metadata.generation;
  if (generation !== undefined && status.observedGeneration !== generation)
    return deployProgressing(`applying generation ${generation}`);
  const recorded = status.providerConfigRef;
  if (recorded && !sameConfig(recorded, config))
    return deployProgressing(
      `applying config ${config.name}${config.generation === undefined ? "" : ` (generation ${config.generation})`}`,
    );
  return undefined;
}
