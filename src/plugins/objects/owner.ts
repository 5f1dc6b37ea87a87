/** The labels that tie deployed objects to the API object that owns them. */
import { createHash } from "node:crypto";
import type { UnitScope } from "../types.js";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const OWNER_LABEL = "spe.dev/owner";
export const UNIT_LABEL = "spe.dev/unit";
/** Human-readable owner, as an annotation (label values are too short for it). */
export const OWNER_ANNOTATION = "spe.dev/owner-ref";

type Owner = UnitScope["owner"];

/**
 * A short, stable hash of the owner's identity. Names, not the uid: an object recreated with
 * the same name takes its predecessor's deployment over instead of orphaning it.
 */
export function ownerHash(owner: Owner): string {
  const id = `${owner.group}/${owner.kind}/${owner.namespace}/${owner.name}`;
  return createHash("sha256").update(id).digest("hex").slice(0, 16);
}

export function ownerRef(owner: Owner): string {
  return `${owner.kind}.${owner.group} ${owner.namespace}/${owner.name}`;
}

/** Turns a unit name into something valid as a label value and inside an object name. */
export function dnsLabel(value: string): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return cleaned.slice(0, 40) || "unit";
}

export function ownerLabels(owner: Owner, unit: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: "spe", [OWNER_LABEL]: ownerHash(owner), [UNIT_LABEL]: dnsLabel(unit) };
}

export function ownerSelector(owner: Owner, unit: string): string {
  return `${OWNER_LABEL}=${ownerHash(owner)},${UNIT_LABEL}=${dnsLabel(unit)}`;
}
