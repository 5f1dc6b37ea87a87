/**
 * The pino logger factory: JSON lines in production, pino-pretty in dev mode,
 * and a redaction list so credentials and Helm values never reach a log line.
 * Every line names its `component` once, and errors are written by serializeError.
 */
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from "pino";
import PinoPretty from "pino-pretty";
import { serializeError } from "./log-error.js";

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
  /** Bound on every line, e.g. { environment }; its `component` (default "spe") names the process's own lines. */
  base?: Record<string, unknown>;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
}

/**
 * The part of the process a line comes from. Not a pino binding: a child's binding of a key
 * its parent binds is written twice (`"component":"spe","component":"helm-worker"`). Kept on
 * the logger instead, where pino's children inherit it through their prototype, and written
 * by the mixin below, once.
 */
const COMPONENT = Symbol("spe.component");

type WithComponent = Logger & { [COMPONENT]?: string };

/** A child logger whose lines say they come from `component` (instead of its parent's). */
export function componentLogger(logger: Logger, component: string): Logger {
  const child: WithComponent = logger.child({});
  child[COMPONENT] = component;
  return child;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { component = "spe", ...base } = options.base ?? {};
  const config: PinoOptions = {
    level: options.level ?? "info",
    base,
    mixin: (_line, _level, logger) => {
      const name = (logger as WithComponent)[COMPONENT];
      return name === undefined ? {} : { component: name };
    },
    redact: { paths: [...REDACT_PATHS], censor: "[REDACTED]" },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return componentLogger(destinationLogger(config, options), String(component));
}

function destinationLogger(config: PinoOptions, options: LoggerOptions): Logger {
  if (options.pretty) {
    // A stream in this thread rather than a transport worker: dev mode values simplicity over throughput.
    const pretty = PinoPretty({ colorize: true, sync: true, destination: options.destination ?? 1 });
    return pino(config, pretty);
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** A line another process logged (the helm worker), written as one of ours with its fields as fields. */
export function logEntry(
  logger: Logger,
  entry: { level: "debug" | "info" | "warn" | "error"; msg: string; fields: Record<string, unknown> },
): void {
  logger[entry.level](entry.fields, entry.msg);
}

/** The logger for one reconcile: every line carries the provider and the object key. */
export function requestLogger(logger: Logger, provider: string, key: string): Logger {
  return logger.child({ provider, key });
}
