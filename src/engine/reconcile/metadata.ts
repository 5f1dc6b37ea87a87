/**
 * Metadata writes on API objects: finalizer and operation annotation. JSON
 * patches guarded by a resourceVersion test, so a concurrent writer makes the
 * patch fail (and the reconcile retry) instead of being overwritten.
 */
import type { KubeClient } from "../../kube/client.js";
import { refOf } from "../../plugins/objects/drift.js";
import { OPERATION_ANNOTATION, type ApiObject } from "../status/api-object.js";

type JsonPatchOp = { op: "test" | "add" | "remove" | "replace"; path: string; value?: unknown };

async function jsonPatch(client: KubeClient, obj: ApiObject, ops: JsonPatchOp[]): Promise<ApiObject> {
  const guard: JsonPatchOp[] = [
    { op: "test", path: "/metadata/resourceVersion", value: obj.metadata.resourceVersion },
  ];
  const path = await client.path(refOf(obj));
  const body = [...guard, ...ops];
  return (await client.send({
    method: "PATCH",
    path,
    body,
    contentType: "application/json-patch+json",
  })) as ApiObject;
}

export function hasFinalizer(obj: ApiObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

export function addFinalizer(client: KubeClient, obj: ApiObject, finalizer: string): Promise<ApiObject> {
  const value = [...(obj.metadata.finalizers ?? []), finalizer];
  return jsonPatch(client, obj, [{ op: "add", path: "/metadata/finalizers", value }]);
}

export function removeFinalizer(client: KubeClient, obj: ApiObject, finalizer: string): Promise<ApiObject> {
  const value = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  return jsonPatch(client, obj, [{ op: "replace", path: "/metadata/finalizers", value }]);
}

/** Removes `openmcp.cloud/operation: reconcile` once the forced reconcile has run. */
export function clearOperation(client: KubeClient, obj: ApiObject): Promise<ApiObject> {
  const path = `/metadata/annotations/${OPERATION_ANNOTATION.replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return jsonPatch(client, obj, [{ op: "remove", path }]);
}
