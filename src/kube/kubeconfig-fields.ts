/**
 * The fate of every field a kubeconfig entry may hold (client-go's clientcmd/api/v1), so that
 * none is dropped unnoticed: spe's own client and the helm worker (client-go, which gets the
 * fields through exportConfig) honour the used ones alike; the ignored ones change nothing
 * for client-go either; anything else in the current cluster, user or context is refused,
 * with an error naming the field, rather than silently not honoured.
 */

export type Fate = "used" | "ignored" | "refused";

export interface FieldFate {
  readonly fate: Fate;
  readonly why: string;
}

const used = (why: string): FieldFate => ({ fate: "used", why });
const ignored = (why: string): FieldFate => ({ fate: "ignored", why });
const refused = (why: string): FieldFate => ({ fate: "refused", why });

const EXTENSIONS = ignored("informational; client-go ignores them as well");

export const CLUSTER_FIELDS: Readonly<Record<string, FieldFate>> = {
  server: used("the apiserver's URL"),
  "certificate-authority": used("CA file, read when the transport is built; the data wins when both are set"),
  "certificate-authority-data": used("inline CA; wins over certificate-authority, as in client-go"),
  "insecure-skip-tls-verify": used("skips verification; refused together with a CA, as client-go refuses it"),
  "tls-server-name": used("the name the server certificate is checked against (SNI)"),
  "proxy-url": used("an http(s) forward proxy for every connection; other schemes are refused"),
  "disable-compression": used("spe's client never asks for compressed responses; the helm worker honours it"),
  extensions: used(
    "kept and handed on; client.authentication.k8s.io/exec goes to exec plugins as spec.cluster.config",
  ),
};

export const USER_FIELDS: Readonly<Record<string, FieldFate>> = {
  "client-certificate": used("TLS client certificate file"),
  "client-certificate-data": used("inline TLS client certificate"),
  "client-key": used("TLS client key file"),
  "client-key-data": used("inline TLS client key"),
  token: used("bearer token"),
  tokenFile: used("bearer token file, re-read as it rotates"),
  "token-file": used("client-node's spelling of tokenFile"),
  username: used("basic auth"),
  password: used("basic auth"),
  exec: used("exec credential plugin"),
  as: used("Impersonate-User"),
  "as-uid": used("Impersonate-Uid"),
  "as-groups": used("Impersonate-Group, one header per group"),
  "as-user-extra": used("Impersonate-Extra-<key>, one header per value"),
  "auth-provider": refused("auth-provider plugins are not supported; configure an exec credential plugin"),
  extensions: EXTENSIONS,
};

export const CONTEXT_FIELDS: Readonly<Record<string, FieldFate>> = {
  cluster: used("the cluster entry"),
  user: used("the user entry"),
  namespace: used("the default namespace"),
  extensions: EXTENSIONS,
};

/** A field of the current cluster, user or context that spe cannot honour. */
export interface Refusal {
  readonly entry: "cluster" | "user" | "context";
  /** The entry's name. */
  readonly name: string;
  /** Where the field is, e.g. `clusters[0].cluster.proxy-url`. */
  readonly field: string;
  readonly why: string;
}

/** Keys of one entry that are not kubeconfig fields at all (a typo such as `as-group` among them). */
export function unknownFields(
  fields: Readonly<Record<string, unknown>>,
  known: Readonly<Record<string, FieldFate>>,
): string[] {
  return Object.keys(fields).filter((key) => !Object.hasOwn(known, key));
}

export const UNKNOWN_FIELD =
  "is not a kubeconfig field spe knows; client-go would ignore it, spe refuses it rather than drop it";
