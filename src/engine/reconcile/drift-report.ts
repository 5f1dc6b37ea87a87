/** Corrected drift as data: status records and event messages that name object, field and manager. */
import type { DriftEntry } from "../../plugins/types.js";
import type { DriftRecord } from "../status/api-object.js";
import { metaTime } from "../status/conditions.js";

function objectName(entry: DriftEntry): string {
  const { kind, name, namespace } = entry.object;
  return `${kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

export function driftRecords(entries: readonly DriftEntry[], now: Date): DriftRecord[] {
  return entries.map((e) => ({
    object: { ...e.object },
    field: e.field,
    reason: e.reason,
    ...(e.manager ? { manager: e.manager } : {}),
    correctedAt: metaTime(now),
  }));
}

/** One message per object: "Deployment demo-system/demo: .spec.replicas changed by kubectl-edit; corrected". */
export function driftMessages(entries: readonly DriftEntry[]): string[] {
  const byObject = new Map<string, DriftEntry[]>();
  for (const e of entries) {
    const key = objectName(e);
    byObject.set(key, [...(byObject.get(key) ?? []), e]);
  }
  return [...byObject].map(([object, list]) => {
    if (list.some((e) => e.reason === "missing")) return `${object} was deleted; re-created`;
    const fields = list.map((e) => `${e.field}${e.manager ? ` changed by ${e.manager}` : " changed"}`);
    return `${object}: ${fields.join(", ")}; corrected`;
  });
}
