/** The failure of one deploy unit, named, so conditions can say which unit broke. */
import type { UnitPlan } from "../../descriptor/index.js";

/** `disabled`: its `when` is false and nothing of it is left; `removing`: it is being removed. */
export type UnitAction = "none" | "create" | "update" | "waiting" | "disabled" | "removing";

/** What a failed create already knew, so the status can record it (its deploy may have left CRDs). */
export interface Attempted {
  plan: UnitPlan;
  crds?: string[];
}

/** The failure of one unit, with its name, so conditions can say which unit broke. */
export class UnitError extends Error {
  constructor(
    readonly unit: string,
    readonly action: UnitAction,
    cause: unknown,
    readonly attempted?: Attempted,
  ) {
    super(`unit ${unit}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "UnitError";
  }
}
