/**
 * The status of a ServiceProviderConfig, as openMCP's providers keep it: whether the config
 * is valid against the descriptor's schema (Ready) or not (InvalidConfig, with the
 * validator's message). Written when the config informer shows a change; a write that
 * changes nothing is not sent, so the write's own watch event ends the loop.
 */
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "pino";
import type { CompiledDescriptor, KubeObject } from "../../descriptor/index.js";
import { describeIssues, validateConfig } from "../../descriptor/index.js";
import type { KubeClient } from "../../kube/client.js";
import { refOf } from "../../plugins/objects/drift.js";
import { findCondition, setCondition, type Condition, type ConditionInput } from "./conditions.js";
import type { EventRecorder } from "./events.js";
import { STATUS_MANAGER } from "./status.js";

export const ConfigReason = { Valid: "ConfigValid", Invalid: "InvalidConfig" } as const;

export interface ConfigStatus {
  observedGeneration: number;
  phase: "Ready" | "Invalid";
  conditions: Condition[];
}

type ConfigObject = KubeObject & {
  metadata: KubeObject["metadata"] & { generation?: number };
  status?: { conditions?: Condition[] };
};

/** The status a config deserves now (pure); `lastTransitionTime` moves only when Ready flips. */
export function configStatus(compiled: CompiledDescriptor, config: KubeObject, now: Date): ConfigStatus {
  const obj = config as ConfigObject;
  const { kind } = compiled.config;
  const issues = validateConfig(compiled, config);
  const ready: ConditionInput =
    issues.length === 0
      ? {
          type: "Ready",
          status: "True",
          reason: ConfigReason.Valid,
          message: `${kind} "${obj.metadata.name}" is valid`,
        }
      : {
          type: "Ready",
          status: "False",
          reason: ConfigReason.Invalid,
          message: `${kind} "${obj.metadata.name}" is invalid: ${describeIssues(issues)}`,
        };
  const generation = obj.metadata.generation ?? 0;
  const conditions = setCondition(
    obj.status?.conditions ?? [],
    { ...ready, observedGeneration: generation },
    now,
  );
  return {
    observedGeneration: generation,
    phase: issues.length === 0 ? "Ready" : "Invalid",
    conditions,
  };
}

/** An event when a config goes invalid or recovers; a config that was always valid gets none. */
function transition(
  before: Condition | undefined,
  after: Condition | undefined,
): [string, string] | undefined {
  if (after === undefined || before?.reason === after.reason) return undefined;
  if (after.reason === ConfigReason.Invalid) return ["Warning", ConfigReason.Invalid];
  return before?.reason === ConfigReason.Invalid ? ["Normal", ConfigReason.Valid] : undefined;
}

function identity(obj: ConfigObject): { name: string; namespace?: string } {
  const { name, namespace } = obj.metadata;
  return namespace === undefined ? { name } : { name, namespace };
}

export interface ConfigStatusDeps {
  compiled: CompiledDescriptor;
  platform: KubeClient;
  recorder: EventRecorder;
  logger: Logger;
  now?: () => Date;
}

/**
 * Writes configs' statuses, one write at a time per config, in the order the informer
 * showed them, so a slow write never lands after a newer one.
 */
export class ConfigStatusWriter {
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly deps: ConfigStatusDeps) {}

  /** The informer shows `config` (added or changed); resolves when its status is written. */
  seen(config: KubeObject): Promise<void> {
    const key = `${config.metadata.namespace ?? ""}/${config.metadata.name}`;
    const next = (this.chains.get(key) ?? Promise.resolve()).then(() => writeConfigStatus(this.deps, config));
    this.chains.set(key, next);
    return next.finally(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}

/** Writes a config's status when it differs from what the config shows. Never throws. */
export async function writeConfigStatus(deps: ConfigStatusDeps, config: KubeObject): Promise<void> {
  const obj = config as ConfigObject;
  const status = configStatus(deps.compiled, config, (deps.now ?? (() => new Date()))());
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(status)), obj.status ?? {})) return;
  try {
    const path = `${await deps.platform.path(refOf(obj))}/status?fieldManager=${STATUS_MANAGER}&force=true`;
    await deps.platform.send({
      method: "PATCH",
      path,
      body: { apiVersion: obj.apiVersion, kind: obj.kind, metadata: identity(obj), status },
      contentType: "application/apply-patch+yaml",
    });
  } catch (err) {
    deps.logger.warn({ err, config: obj.metadata.name }, "could not write the config's status");
    return;
  }
  const before = findCondition(obj.status?.conditions ?? [], "Ready");
  const after = findCondition(status.conditions, "Ready");
  const event = transition(before, after);
  if (event !== undefined && after !== undefined)
    void deps.recorder.event(obj, event[0] as "Normal" | "Warning", event[1], after.message);
}
