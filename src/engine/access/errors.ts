/** Why a target cluster could not be reached; the engine turns the reason into a condition. */
export type AccessErrorReason =
  /** The kubeconfig Secret (or the Secret an AccessRequest names) does not exist. */
  | "SecretNotFound"
  /** The Secret exists but has no such key. */
  | "KeyMissing"
  /** The key holds no usable kubeconfig, or one that would run commands or read local files. */
  | "InvalidKubeconfig"
  /** The target's API server did not answer, or rejected the credentials. */
  | "Unreachable"
  /** The AccessRequest does not exist. */
  | "AccessRequestNotFound"
  /** The AccessRequest exists but has not been granted yet (no status.secretRef, or not for its current generation). */
  | "AccessRequestPending"
  /** The cluster provider denied the ClusterRequest or AccessRequest. */
  | "AccessRequestDenied"
  /** A ClusterRequest or AccessRequest of spe's name exists but belongs to someone else (openMCP mode). */
  | "AccessRequestConflict"
  /** In-cluster access was asked for outside a cluster. */
  | "NotInCluster";

export class AccessError extends Error {
  constructor(
    readonly reason: AccessErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AccessError";
  }
}

export function isAccessError(err: unknown, reason?: AccessErrorReason): err is AccessError {
  return err instanceof AccessError && (reason === undefined || err.reason === reason);
}
