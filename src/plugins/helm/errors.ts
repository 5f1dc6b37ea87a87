import { PluginError } from "../errors.js";

/** Why a helm operation failed; the engine reports it as the Deployed condition's reason. */
export type HelmErrorReason =
  /** The helm worker binary is missing or not executable. */
  | "BinaryNotFound"
  /** The helm worker does not run Helm v4. */
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
export function classify(text: string, fallback: HelmErrorReason): HelmErrorReason {
  return CHART_MISSING.some((re) => re.test(text)) ? "ChartNotFound" : fallback;
}
