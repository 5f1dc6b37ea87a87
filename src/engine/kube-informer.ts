/** Informers over any kind, listed through KubeClient (raw JSON, discovery for the plural). */
import type { Logger } from "pino";
import { KubeClient } from "../plugins/kube/client.js";
import type { KubeConfig } from "../plugins/kube/kubeconfig.js";
import type { KubernetesList, KubernetesObject } from "../plugins/kube/object.js";
import { Informer } from "./informer.js";

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export function collectionBase(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** A cluster-wide informer for one kind (all namespaces). */
export async function informerFor<T extends KubernetesObject>(
  kc: KubeConfig,
  ref: KindRef,
  options: { labelSelector?: string; logger?: Logger; namespace?: string } = {},
): Promise<Informer<T>> {
  const client = KubeClient.for(kc);
  const resource = await client.resource(ref.apiVersion, ref.kind);
  const ns =
    options.namespace && resource.namespaced ? `/namespaces/${encodeURIComponent(options.namespace)}` : "";
  const path = `${collectionBase(ref.apiVersion)}${ns}/${resource.name}`;
  const list = async (opts: { labelSelector?: string }): Promise<KubernetesList<T>> => {
    const query = opts.labelSelector ? `?labelSelector=${encodeURIComponent(opts.labelSelector)}` : "";
    const body = (await client.send({ method: "GET", path: path + query })) as KubernetesList<T>;
    // List items carry no apiVersion/kind; put them back so handlers see whole objects.
    return { ...body, items: body.items.map((i) => ({ ...i, apiVersion: ref.apiVersion, kind: ref.kind })) };
  };
  return new Informer<T>({
    kubeConfig: kc,
    path,
    list,
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
