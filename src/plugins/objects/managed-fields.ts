/**
 * metadata.managedFields as data: which field manager owns which field (fieldsV1 sets,
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management).
 * Pure helpers for drift detection. @internal
 */

import { compareStrings } from "../../descriptor/compare.js";

/** A fieldsV1 set: keys are `f:<field>`, `k:<json key>`, `v:<json value>`, `i:<index>` or `.`. */
export interface FieldSet {
  [key: string]: FieldSet;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string;
  fieldsV1?: FieldSet;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function managedFieldsOf(obj: unknown): ManagedFieldsEntry[] {
  const list = asRecord(asRecord(obj)?.metadata)?.managedFields;
  return Array.isArray(list) ? list.filter((e): e is ManagedFieldsEntry => asRecord(e) !== undefined) : [];
}

/** The fields `manager` owns through Apply on the main resource (not a subresource such as status). */
export function appliedFieldsOf(obj: unknown, manager: string): FieldSet | undefined {
  const entry = managedFieldsOf(obj).find(
    (e) => e.manager === manager && e.operation === "Apply" && !e.subresource,
  );
  return entry?.fieldsV1;
}

function owns(set: FieldSet | undefined, keys: readonly string[]): boolean {
  let node = set;
  for (const key of keys) {
    node = node?.[key];
    if (!node) return false;
  }
  return true;
}

function newest(a: ManagedFieldsEntry, b: ManagedFieldsEntry): number {
  return compareStrings(b.time ?? "", a.time ?? "");
}

/**
 * Who last wrote the field at `keys` (a path of fieldsV1 keys). When several managers share
 * it, another manager than `self` wins (that is the one that changed it), newest first.
 */
export function ownerOf(live: unknown, keys: readonly string[], self: string): string | undefined {
  const owners = managedFieldsOf(live)
    .filter((e) => owns(e.fieldsV1, keys))
    .sort(newest);
  const other = owners.find((e) => e.manager !== self);
  const found = other ?? owners[0];
  if (!found?.manager) return undefined;
  return found.subresource ? `${found.manager} (${found.subresource})` : found.manager;
}

function listItemKey(item: unknown): string | undefined {
  const name = asRecord(item)?.name;
  return typeof name === "string" ? `k:${JSON.stringify({ name })}` : undefined;
}

function listFieldSet(list: unknown[]): FieldSet {
  const keys = list.map(listItemKey);
  if (keys.some((k) => k === undefined)) return {};
  const set: FieldSet = {};
  list.forEach((item, i) => {
    set[keys[i] as string] = { ".": {}, ...fieldSetOf(item) };
  });
  return set;
}

/**
 * A best-effort field set for an object without managedFields: maps field by field,
 * lists of named items keyed by name (the common list-map key), other lists atomic.
 */
export function fieldSetOf(value: unknown): FieldSet {
  if (Array.isArray(value)) return listFieldSet(value);
  const record = asRecord(value);
  if (!record) return {};
  const set: FieldSet = {};
  for (const [key, child] of Object.entries(record)) set[`f:${key}`] = fieldSetOf(child);
  return set;
}
