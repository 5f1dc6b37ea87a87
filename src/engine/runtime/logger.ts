/**
 * The pino logger factory: JSON lines in production, pino-pretty in dev mode,
 * and a redaction list so credentials and Helm values never reach a log line.
 */
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from "pino";
import PinoPretty from "pino-pretty";

export type { Logger } from "pino";

/** Keys whose values are secret wherever they appear (kubeconfigs, tokens, Helm values may hold credentials). */
export const SENSITIVE_KEYS: readonly string[] = [
  "kubeconfig",
  "token",
  "bearerToken",
  "password",
  "secret",
  "values",
  "stringData",
  "authorization",
  "Authorization",
  "clientKey",
  "client-key-data",
  "client-certificate-data",
];

/** Redaction has no "any depth" wildcard, so cover the depths log objects actually have. */
const REDACT_DEPTH = 4;

function pathsFor(key: string): string[] {
  const identifier = /^[A-Za-z_$][\w$]*$/.test(key);
  return Array.from({ length: REDACT_DEPTH }, (_, depth) => {
    const prefix = "*".repeat(depth).split("").join(".");
    if (identifier) return prefix ? `${prefix}.${key}` : key;
    return `${prefix}["${key}"]`;
  });
}

export const REDACT_PATHS: readonly string[] = SENSITIVE_KEYS.flatMap(pathsFor);

export interface LoggerOptions {
  /** pino level: trace, debug, info (default), warn, error, fatal, silent. */
  level?: string;
  /** Human-readable output (spe dev); JSON otherwise. */
  pretty?: boolean;
  /** Bound on every line, e.g. { component: "spe" }. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const config: PinoOptions = {
    level: options.level ?? "info",
    base: options.base ?? { component: "spe" },
    redact: { paths: [...REDACT_PATHS], censor: "[REDACTED]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  if (options.pretty) {
    // A stream in this thread rather than a transport worker: dev mode values simplicity over throughput.
    const pretty = PinoPretty({ colorize: true, sync: true, destination: options.destination ?? 1 });
    return pino(config, pretty);
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** The logger for one reconcile: every line carries the provider and the object key. */
export function requestLogger(logger: Logger, provider: string, key: string): Logger {
  return logger.child({ provider, key });
}
