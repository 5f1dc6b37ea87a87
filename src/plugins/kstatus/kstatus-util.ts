/** Small readers over untyped Kubernetes JSON, shared by the kstatus rules. @internal */

export type Json = Record<string, unknown>;

export interface StatusResult {
  phase: "Current" | "InProgress" | "Failed" | "Terminating" | "NotFound" | "Unknown";
  message: string;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function obj(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function num(value: unknown, fallback = 0): number {
  return typeof value === "number" ? value : fallback;
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function conditions(o: Json): Condition[] {
  const list = obj(o.status).conditions;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is Condition => typeof obj(c).type === "string" && typeof obj(c).status === "string",
  );
}

export function condition(o: Json, type: string): Condition | undefined {
  return conditions(o).find((c) => c.type === type);
}

export function isTrue(o: Json, type: string): boolean {
  return condition(o, type)?.status === "True";
}

export function isFalse(o: Json, type: string): boolean {
  return condition(o, type)?.status === "False";
}

export function current(message: string): StatusResult {
  return { phase: "Current", message };
}

export function inProgress(message: string): StatusResult {
  return { phase: "InProgress", message };
}

export function failed(message: string): StatusResult {
  return { phase: "Failed", message };
}

/** Why a condition is set, for messages: its message, else its reason, else its type. */
export function explain(c: Condition): string {
  return c.message ?? c.reason ?? c.type;
}

/**
 * The controller has not yet seen the latest spec: status describes an older generation.
 * Only meaningful when the controller writes status.observedGeneration at all.
 */
export function staleGeneration(o: Json, kind: string): StatusResult | undefined {
  const status = obj(o.status);
  if (typeof status.observedGeneration !== "number") return undefined;
  const generation = num(obj(o.metadata).generation);
  if (status.observedGeneration >= generation) return undefined;
  return inProgress(
    `${kind} generation is ${generation}, but latest observed generation is ${status.observedGeneration}`,
  );
}
