/** Checks on rendered manifests: shape, namespaces the descriptor allows, duplicates. */
import { RenderError, issue, type IssuePath } from "./issues.js";
import type { KubeObject } from "./plan.js";

/** Built-in cluster-scoped kinds: never given the unit's namespace. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "PriorityClass",
  "IngressClass",
  "RuntimeClass",
  "CSIDriver",
  "CSINode",
  "VolumeAttachment",
  "FlowSchema",
  "PriorityLevelConfiguration",
]);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function bad(code: string, path: IssuePath, message: string): never {
  throw new RenderError("invalid-input", [issue(code, path, message)]);
}

function isStringMap(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string")
  );
}

/** A rendered namespace must be a DNS label. */
export function checkNamespace(value: unknown, path: IssuePath): string {
  if (typeof value !== "string" || !DNS_LABEL.test(value)) {
    return bad("invalid-namespace", path, `namespace ${JSON.stringify(value)} is not a valid namespace name`);
  }
  return value;
}

function checkStringMaps(meta: Record<string, unknown>, path: IssuePath): void {
  for (const key of ["labels", "annotations"] as const) {
    if (meta[key] !== undefined && !isStringMap(meta[key])) {
      bad("invalid-manifest", [...path, "metadata", key], `metadata.${key} must map strings to strings`);
    }
  }
}

function checkShape(value: unknown, path: IssuePath): KubeObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return bad("invalid-manifest", path, "a manifest must be an object");
  }
  const obj = value as Record<string, unknown>;
  if (
    typeof obj.apiVersion !== "string" ||
    typeof obj.kind !== "string" ||
    obj.apiVersion === "" ||
    obj.kind === ""
  ) {
    return bad("invalid-manifest", path, "apiVersion and kind must be non-empty strings");
  }
  const meta = obj.metadata as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || typeof meta.name !== "string" || meta.name === "") {
    return bad(
      "invalid-manifest",
      [...path, "metadata", "name"],
      `${obj.kind}: metadata.name must be a non-empty string`,
    );
  }
  checkStringMaps(meta, path);
  return obj as KubeObject;
}

/** Validates one rendered object and places it in an allowed namespace. */
export function toKubeObject(
  value: unknown,
  path: IssuePath,
  unitNamespace: string | undefined,
  allowed: ReadonlySet<string>,
): KubeObject {
  const obj = checkShape(value, path);
  const meta = obj.metadata;
  if (meta.namespace === undefined) {
    if (unitNamespace !== undefined && !CLUSTER_SCOPED.has(obj.kind)) meta.namespace = unitNamespace;
    return obj;
  }
  if (typeof meta.namespace !== "string" || !allowed.has(meta.namespace)) {
    const list = allowed.size > 0 ? [...allowed].join(", ") : "none";
    bad(
      "namespace-not-allowed",
      [...path, "metadata", "namespace"],
      `${obj.kind} ${meta.name}: namespace ${JSON.stringify(meta.namespace)} is not allowed by the descriptor (allowed: ${list})`,
    );
  }
  return obj;
}

/** The same object twice in a unit (e.g. two forEach items with one name) is a user error. */
export function checkDuplicates(objects: readonly KubeObject[], path: IssuePath): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const key = `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    if (seen.has(key))
      bad(
        "duplicate-object",
        path,
        `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name} is rendered twice`,
      );
    seen.add(key);
  }
}
