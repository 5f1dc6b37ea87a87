/**
 * The helm worker's log lines (Go's slog JSON handler on its stderr) as data, so that the
 * engine writes them as fields of its own lines rather than as escaped JSON in one string.
 * Pure. A line that is not slog's JSON (a Go runtime panic, say) is kept whole as the message.
 */

export type WorkerLogLevel = "debug" | "info" | "warn" | "error";

export interface WorkerLogEntry {
  level: WorkerLogLevel;
  msg: string;
  /** The line's attributes; the keys slog sets itself (time, level, msg) are taken out. */
  fields: Record<string, unknown>;
}

/** slog's level names, which may carry an offset (`ERROR+2`, `DEBUG-4`). */
function levelOf(value: unknown): WorkerLogLevel {
  const name = typeof value === "string" ? value.toUpperCase() : "";
  if (name.startsWith("DEBUG")) return "debug";
  if (name.startsWith("INFO")) return "info";
  if (name.startsWith("ERROR")) return "error";
  return "warn";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseWorkerLog(line: string): WorkerLogEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    parsed = undefined;
  }
  if (!isRecord(parsed) || typeof parsed.msg !== "string") return { level: "warn", msg: line, fields: {} };
  const { time: _time, level, msg, ...fields } = parsed;
  return { level: levelOf(level), msg, fields };
}
