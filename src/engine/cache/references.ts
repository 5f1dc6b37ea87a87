/**
 * Objects on the platform cluster a request depends on besides its config:
 * the target's kubeconfig Secret (or openMCP AccessRequest), and Secrets or
 * ConfigMaps the config names with `…secretRef` / `…configMapRef` fields.
 * A change to any of them re-queues the request.
 */
import type { ResolvedAccess } from "../../descriptor/index.js";
import type { ObjectRef } from "../../plugins/types.js";
import { ACCESS_REQUEST } from "../access/resolver.js";

const MAX_DEPTH = 8;

export function accessReference(
  access: Exclude<ResolvedAccess, { kind: "platform" }>,
  namespace: string,
): ObjectRef {
  if (access.kind === "openmcp") return { ...ACCESS_REQUEST, name: access.name, namespace };
  return { apiVersion: "v1", kind: "Secret", name: access.name, namespace };
}

function refOf(key: string, value: unknown): ObjectRef | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { name, namespace } = value as { name?: unknown; namespace?: unknown };
  if (typeof name !== "string" || typeof namespace !== "string") return undefined;
  if (/secretref$/i.test(key)) return { apiVersion: "v1", kind: "Secret", name, namespace };
  if (/configmapref$/i.test(key)) return { apiVersion: "v1", kind: "ConfigMap", name, namespace };
  return undefined;
}

/** Secret and ConfigMap references anywhere in a config's spec (namespaced refs only: configs are cluster-scoped). */
export function configReferences(spec: unknown, depth = 0): ObjectRef[] {
  if (depth > MAX_DEPTH || typeof spec !== "object" || spec === null) return [];
  if (Array.isArray(spec)) return spec.flatMap((item) => configReferences(item, depth + 1));
  return Object.entries(spec).flatMap(([key, value]) => {
    const ref = refOf(key, value);
    return ref ? [ref] : configReferences(value, depth + 1);
  });
}
