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

/** Writes each action of one API object's units to `logger` (bound to its provider and key). */
export function actionLog(logger: Logger): (record: ActionRecord) => void {
  return (record) => {
    logger.info(actionFields(record), record.action);
  };
}
