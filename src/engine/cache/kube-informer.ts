/** Informers over any kind, listed through KubeClient (raw JSON, discovery for the plural). */
import type { Logger } from "pino";
import { type KubeApiError, KubeClient } from "../../kube/client.js";
import { listPaged } from "../../kube/pages.js";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { KubernetesList, KubernetesObject } from "../../kube/object.js";
import { Informer } from "./informer.js";

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export function collectionBase(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Accept headers for metadata-only lists and watches (the server sends PartialObjectMetadata). */
const METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
const METADATA_WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

export interface InformerForOptions<T extends KubernetesObject> {
  labelSelector?: string;
  logger?: Logger;
  /** Watch one namespace only (for namespaced kinds). */
  namespace?: string;
  /** Only the objects' metadata crosses the wire (kubectl's and client-go's metadata informers). */
  metadataOnly?: boolean;
  /** What the cache keeps of each object (Informer's transform). */
  transform?: (obj: T) => T;
  /** Informer's watchIdleMs. */
  watchIdleMs?: number;
  /** Informer's onRefused. */
  onRefused?: (err: KubeApiError) => void;
}

/**
 * What informers of whole objects keep (controller-runtime's TransformStripManagedFields):
 * the object without metadata.managedFields, which nothing reads from a cache and which is
 * often the larger part of a small object's metadata.
 */
export function withoutManagedFields<T extends KubernetesObject>(obj: T): T {
  if (!obj.metadata || !("managedFields" in obj.metadata)) return obj;
  const { managedFields: _managedFields, ...metadata } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata };
}

/** A cluster-wide informer for one kind (all namespaces, unless one is named). */
export async function informerFor<T extends KubernetesObject>(
  kc: KubeConfig,
  ref: KindRef,
  options: InformerForOptions<T> = {},
): Promise<Informer<T>> {
  const client = KubeClient.for(kc);
  const resource = await client.resource(ref.apiVersion, ref.kind);
  const ns =
    options.namespace && resource.namespaced ? `/namespaces/${encodeURIComponent(options.namespace)}` : "";
  const path = `${collectionBase(ref.apiVersion)}${ns}/${resource.name}`;
  const accept = options.metadataOnly ? { accept: METADATA_LIST } : {};
  const list = async (opts: { labelSelector?: string }): Promise<KubernetesList<T>> => {
    const fetch = (page: string): Promise<unknown> => client.send({ method: "GET", path: page, ...accept });
    const body = await listPaged(fetch, path, { labelSelector: opts.labelSelector });
    // List items carry no apiVersion/kind; put them back so handlers see whole objects.
    const items = (body.items as T[]).map((i) => ({ ...i, apiVersion: ref.apiVersion, kind: ref.kind }));
    return {
      items,
      metadata: body.resourceVersion === undefined ? {} : { resourceVersion: body.resourceVersion },
    };
  };
  return new Informer<T>({
    kubeConfig: kc,
    path,
    list,
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.transform ? { transform: options.transform } : {}),
    ...(options.metadataOnly ? { watchAccept: METADATA_WATCH } : {}),
    ...(options.watchIdleMs === undefined ? {} : { watchIdleMs: options.watchIdleMs }),
    ...(options.onRefused ? { onRefused: options.onRefused } : {}),
  });
}
