import { PluginError } from "../errors.js";

/** Why a helm operation failed; the engine reports it as the Deployed condition's reason. */
export type HelmErrorReason =
  /** The helm worker binary is missing or not executable. */
  | "BinaryNotFound"
  /** The helm worker does not run Helm v4. */
  | "VersionUnsupported"
  /** The chart (path, repository entry or OCI reference) could not be found or fetched. */
  | "ChartNotFound"
  /** The chart is in its repository or registry, but not in the version (tag) asked for. */
  | "ChartVersionNotFound"
  /**
   * The chart's registry or repository refused the credentials (or wanted some), or the
   * credentials Secret cannot give any: missing, or without credentials for the chart's host.
   */
  | "ChartAuthFailed"
  /**
   * The chart's server presented a certificate the CA bundle (and the system's) does not vouch
   * for, or the CA bundle (ConfigMap or Secret key) is missing or holds no certificate.
   */
  | "ChartTLSFailed"
  /** `helm template` failed (template error, values rejected by the chart's schema). */
  | "RenderFailed"
  /** Installing failed; the release was rolled back (uninstalled). */
  | "InstallFailed"
  /** Upgrading failed; the release was rolled back to the last good revision. */
  | "UpgradeFailed"
  | "UninstallFailed"
  /** A release stuck in a pending state could not be recovered. */
  | "RecoveryFailed"
  /** The operation was cancelled (by spe, or a worker that exited). */
  | "Cancelled"
  /** The operation ran out of time: helm's `--timeout` for hooks, or spe's bound on one operation. */
  | "Timeout"
  /** Another operation of this plugin on the same release is still running. */
  | "OperationInProgress";

/** At most this much of helm's error text is kept: enough for the error, bounded for conditions. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

export function tail(text: string): string {
  const lines = text.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? lines.slice(-TAIL_CHARS) : lines;
}

export class HelmError extends PluginError {
  declare readonly reason: HelmErrorReason;
  readonly detail: string;

  constructor(
    reason: HelmErrorReason,
    /** What failed, without helm's words. */
    readonly summary: string,
    /** The end of helm's own error text, when a helm operation failed. */
    detail = "",
    options?: { cause?: unknown },
  ) {
    const kept = tail(detail);
    super(reason, kept ? `${summary}: ${kept}` : summary, options);
    this.detail = kept;
    this.name = "HelmError";
  }
}

export function isHelmError(err: unknown, reason?: HelmErrorReason): err is HelmError {
  return err instanceof HelmError && (reason === undefined || err.reason === reason);
}

/**
 * Which step of a request the helm worker says failed (worker/errors.go; keep the two lists
 * in step). The worker knows; nothing is recovered from helm's message.
 */
export type WorkerErrorCode =
  | "bad-request"
  | "chart-not-found"
  | "chart-version-not-found"
  | "chart-auth-failed"
  | "chart-tls-failed"
  | "render-failed"
  | "install-failed"
  | "upgrade-failed"
  | "uninstall-failed"
  | "rollback-failed"
  | "timeout"
  | "cancelled"
  | "internal";

const REASONS: Record<WorkerErrorCode, HelmErrorReason | undefined> = {
  "bad-request": undefined,
  "chart-not-found": "ChartNotFound",
  "chart-version-not-found": "ChartVersionNotFound",
  "chart-auth-failed": "ChartAuthFailed",
  "chart-tls-failed": "ChartTLSFailed",
  "render-failed": "RenderFailed",
  "install-failed": "InstallFailed",
  "upgrade-failed": "UpgradeFailed",
  "uninstall-failed": "UninstallFailed",
  "rollback-failed": "RecoveryFailed",
  timeout: "Timeout",
  cancelled: "Cancelled",
  internal: undefined,
};

/**
 * The reason for the worker's code; `fallback` (the operation's own reason) for a code that
 * names no step of helm's (a malformed request, a panic) or none at all.
 */
export function reasonOf(code: string | undefined, fallback: HelmErrorReason): HelmErrorReason {
  return (code !== undefined && REASONS[code as WorkerErrorCode]) || fallback;
}
