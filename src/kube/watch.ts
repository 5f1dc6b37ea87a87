/**
 * One watch request, as client-go's reflector makes it: from a resourceVersion, with
 * bookmarks, and a server-side timeout of 5-10 minutes (randomised, so watches opened
 * together do not all reconnect together), backed by a client-side one in case the
 * server's end never arrives. How it ended tells the caller what to do next.
 */
import type { IncomingMessage } from "node:http";
import { KubeApiError, stream } from "./http.js";
import type { KubeConfig } from "./kubeconfig.js";
import { type WatchEvent, WatchEventParser, errorEventOf } from "./watch-events.js";

export type { WatchEvent, WatchEventType } from "./watch-events.js";

export type WatchEnd =
  /** The server (or our timeout, or the caller's signal) ended it: resume from the last resourceVersion. */
  | { readonly kind: "closed" }
  /** 410 Gone: the resourceVersion is too old; list again. */
  | { readonly kind: "expired"; readonly error: KubeApiError }
  | { readonly kind: "failed"; readonly error: unknown };

export interface WatchOptions {
  /** Collection path, e.g. /api/v1/namespaces/ns/configmaps. */
  path: string;
  resourceVersion?: string;
  labelSelector?: string;
  /** Server-side timeout; 300-599 s at random by default (client-go's minWatchTimeout × [1, 2)). */
  timeoutSeconds?: number;
  /** The Accept header, e.g. for metadata-only events (PartialObjectMetadata). */
  accept?: string;
  signal?: AbortSignal;
}

export interface Watch {
  /** Settles once, after the connection is closed; never rejects. */
  readonly done: Promise<WatchEnd>;
}

/** The client gives the server this much longer than timeoutSeconds to end the watch itself. */
const CLIENT_GRACE_MS = 30_000;

function watchPath(options: WatchOptions, timeoutSeconds: number): string {
  const params = new URLSearchParams({ watch: "true", allowWatchBookmarks: "true" });
  if (options.resourceVersion) params.set("resourceVersion", options.resourceVersion);
  if (options.labelSelector !== undefined) params.set("labelSelector", options.labelSelector);
  params.set("timeoutSeconds", String(timeoutSeconds));
  return `${options.path}?${params.toString()}`;
}

function ended(err: unknown, aborted: boolean): WatchEnd {
  if (aborted) return { kind: "closed" };
  if (err instanceof KubeApiError && err.status === 410) return { kind: "expired", error: err };
  return { kind: "failed", error: err };
}

/** Reads events until the body ends, an ERROR event arrives, or the connection breaks. */
function consume(
  res: IncomingMessage,
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<WatchEnd> {
  return new Promise((resolve) => {
    const parser = new WatchEventParser();
    let settled = false;
    const finish = (end: WatchEnd): void => {
      if (settled) return;
      settled = true;
      res.destroy();
      resolve(end);
    };
    const deliver = (events: WatchEvent[]): void => {
      for (const event of events) {
        if (settled) return;
        if (event.type === "ERROR") {
          finish(ended(errorEventOf(event), false));
          return;
        }
        onEvent(event);
      }
    };
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        finish({ kind: "failed", error: err });
      }
    };
    res.on("data", (chunk: Buffer) => {
      guarded(() => {
        deliver(parser.push(chunk));
      });
    });
    res.on("end", () => {
      guarded(() => {
        deliver(parser.end());
        finish({ kind: "closed" });
      });
    });
    res.on("error", (err) => {
      finish(ended(err, signal.aborted));
    });
    res.on("close", () => {
      finish(
        signal.aborted ? { kind: "closed" } : ended(new Error("watch connection closed unexpectedly"), false),
      );
    });
  });
}

/**
 * Opens a watch and resolves once the server has accepted it, or could not: then `done`
 * already holds why. `onEvent` gets every event but ERROR, which ends the watch instead;
 * if it throws, the watch ends as failed.
 */
export async function watch(
  kc: KubeConfig,
  options: WatchOptions,
  onEvent: (event: WatchEvent) => void,
): Promise<Watch> {
  const timeoutSeconds = options.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
  const abort = new AbortController();
  const stop = (): void => {
    abort.abort();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  const timer = setTimeout(stop, timeoutSeconds * 1000 + CLIENT_GRACE_MS);
  timer.unref();
  const cleanup = (): void => {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", stop);
  };
  if (options.signal?.aborted) stop();
  try {
    const res = await stream(kc, {
      path: watchPath(options, timeoutSeconds),
      signal: abort.signal,
      ...(options.accept ? { accept: options.accept } : {}),
    });
    const done = consume(res, onEvent, abort.signal);
    void done.finally(cleanup);
    return { done };
  } catch (err) {
    cleanup();
    return { done: Promise.resolve(ended(err, abort.signal.aborted)) };
  }
}
