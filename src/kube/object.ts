/** The shape of any object the apiserver sends, as raw JSON (timestamps are strings). */

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly [key: string]: unknown;
}

/** What informers and watches hand out: any kind; list items get apiVersion/kind put back. */
export interface KubernetesObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

export interface KubernetesList<T> {
  readonly items: T[];
  readonly metadata?: { readonly resourceVersion?: string };
}

/** An object reference as it appears in requests, status and drift reports. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * An object as spe sends it (server-side apply) and reads it back. The same shape as the
 * descriptor's KubeObject, declared here so the client depends on nothing above it.
 */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
