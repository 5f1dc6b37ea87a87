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
