/** Why a helm operation failed; the engine turns the reason into a condition. */
export type HelmErrorReason =
  /** The helm binary is missing or not executable. */
  | "BinaryNotFound"
  /** The helm binary is not v4. */
  | "VersionUnsupported"
  /** The chart (path, repository entry or OCI reference) could not be found or fetched. */
  | "ChartNotFound"
  /** `helm template` failed (template error, values rejected by the chart's schema). */
  | "RenderFailed"
  /** Installing failed; the release was rolled back (uninstalled). */
  | "InstallFailed"
  /** Upgrading failed; the release was rolled back to the last good revision. */
  | "UpgradeFailed"
  | "UninstallFailed"
  /** A release stuck in a pending state could not be recovered. */
  | "RecoveryFailed"
  /** The operation was cancelled or ran out of time. */
  | "Cancelled"
  /** Another operation of this plugin on the same release is still running. */
  | "OperationInProgress";

/** At most this much of helm's stderr is kept: enough for the error, bounded for conditions. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

export function tail(stderr: string): string {
  const lines = stderr.trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? lines.slice(-TAIL_CHARS) : lines;
}

export class HelmError extends Error {
  constructor(
    readonly reason: HelmErrorReason,
    /** What failed, without stderr. */
    readonly summary: string,
    /** The last lines of helm's stderr, when a helm process failed. */
    readonly stderrTail = "",
    options?: { cause?: unknown },
  ) {
    super(stderrTail ? `${summary}: ${stderrTail}` : summary, options);
    this.name = "HelmError";
  }
}

export function isHelmError(err: unknown, reason?: HelmErrorReason): err is HelmError {
  return err instanceof HelmError && (reason === undefined || err.reason === reason);
}

const CHART_MISSING = [
  /chart .*not found/i,
  /no chart (name|version) found/i,
  /not a valid chart repository/i,
  /failed to (fetch|download)/i,
  /looks like .* is not a valid chart repository/i,
  /path .* not found/i,
  /no such file or directory/i,
  /: not found$/im,
];

/**
 * Helm reports chart lookup failures only as text; these patterns are the ones helm v4 prints.
 * Everything else keeps the operation's own reason.
 */
export function classify(stderr: string, fallback: HelmErrorReason): HelmErrorReason {
  return CHART_MISSING.some((re) => re.test(stderr)) ? "ChartNotFound" : fallback;
}
