/**
 * The operator's log of what spe changed: one info line per action a plugin reports
 * (installed, upgraded, rolled back, drift corrected, deleted, …), with the unit, its release
 * and revision where the plugin has one, how many objects, and how long it took.
 */
import type { Logger } from "pino";
import type { ActionRecord } from "../../plugins/types.js";

/** The fields of a record's line, flat, so that they can be filtered on. */
export function actionFields(record: ActionRecord): Record<string, unknown> {
  const { unit, release, objects, durationMs } = record;
  return {
    unit,
    ...(release ? { release: release.name, namespace: release.namespace } : {}),
    ...(release?.revision === undefined ? {} : { revision: release.revision }),
    ...(objects === undefined ? {} : { objects }),
    durationMs,
  };
}

/**
 * Writes each action of one API object's units to a child of `logger` bound to `bindings`
 * (its key). The child is made at the first action: most reconciles change nothing, and a
 * pino child with redaction costs more CPU than such a reconcile.
 */
export function actionLog(logger: Logger, bindings: Record<string, string>): (record: ActionRecord) => void {
  let child: Logger | undefined;
  return (record) => {
    child ??= logger.child(bindings);
    child.info(actionFields(record), record.action);
  };
}
