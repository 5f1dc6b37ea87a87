/**
 * spe's labels and annotations on the API object (descriptor `spec.writeBack`): a server-side
 * apply of the object's metadata as spe's own field manager, forced, so a value a user set
 * is taken over and overwritten. Not the status path (src/engine/status writes status).
 */
import type { KubeClient } from "../../kube/client.js";
import type { CompiledDescriptor, RenderContext } from "../../descriptor/index.js";
import { carriesWriteBack, writeBackMetadata } from "../../descriptor/index.js";
import { refOf } from "../../plugins/objects/drift.js";
import type { ApiObject } from "../status/api-object.js";

/** The field manager of spe's metadata writes on API objects. */
export const METADATA_MANAGER = "spe-metadata";

/**
 * Sets spe's labels and annotations on `obj` when it does not carry them yet; returns the
 * object as stored (or `obj` unchanged). Throws RenderError for values that do not render.
 */
export async function writeBack(
  client: KubeClient,
  compiled: CompiledDescriptor,
  obj: ApiObject,
  ctx: RenderContext,
): Promise<ApiObject> {
  const wb = writeBackMetadata(compiled, ctx);
  if (carriesWriteBack(obj, wb)) return obj;
  const path = `${await client.path(refOf(obj))}?fieldManager=${METADATA_MANAGER}&force=true`;
  const { apiVersion, kind, metadata } = obj;
  const body = {
    apiVersion,
    kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      labels: wb.labels,
      annotations: wb.annotations,
    },
  };
  return (await client.send({
    method: "PATCH",
    path,
    body,
    contentType: "application/apply-patch+yaml",
  })) as ApiObject;
}

/** Whether an update touched a key spe writes back (a user changed spe's value): worth a reconcile. */
export function writeBackTouched(compiled: CompiledDescriptor, obj: ApiObject, previous: ApiObject): boolean {
  const differs = (kind: "labels" | "annotations"): boolean =>
    Object.keys(compiled.writeBack[kind]).some(
      (k) => obj.metadata[kind]?.[k] !== previous.metadata[kind]?.[k],
    );
  return differs("labels") || differs("annotations");
}
