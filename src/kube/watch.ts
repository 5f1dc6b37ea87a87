/**
 * One watch request, as client-go's reflector makes it: from a resourceVersion, with
 * bookmarks, and a server-side timeout of 5-10 minutes (randomised, so watches opened
 * together do not all reconnect together), backed by a client-side one in case the
 * server's end never arrives. How it ended tells the caller what to do next.
 *
 * Liveness: the apiserver sends a bookmark to every watch about once a minute, so a watch
 * that has received nothing for WATCH_IDLE_MS is taken as dead (a connection a middlebox
 * lost, or a proxy that stopped forwarding, shows no error for many minutes) and ends as
 * `silent`: the caller resumes from the last resourceVersion on a new connection. TCP
 * keepalive on the socket finds a peer that is gone altogether. client-go gets the same
 * from HTTP/2 pings; spe's HTTP/1.1 watches have the bookmarks instead.
 */
import type { IncomingMessage } from "node:http";
import { KubeApiError, stream } from "./http.js";
import type { KubeConfig } from "./kubeconfig.js";
import { type WatchEvent, WatchEventParser, errorEventOf } from "./watch-events.js";

export type { WatchEvent, WatchEventType } from "./watch-events.js";

export type WatchEnd =
  /** The server (or our timeout, or the caller's signal) ended it: resume from the last resourceVersion. */
  | { readonly kind: "closed" }
  /** Nothing arrived for the idle timeout, not even a bookmark: resume from the last resourceVersion. */
  | { readonly kind: "silent"; readonly idleMs: number }
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
  /** How long the watch may stay silent before it is taken as dead (default WATCH_IDLE_MS). */
  idleTimeoutMs?: number;
}

export interface Watch {
  /** Settles once, after the connection is closed; never rejects. */
  readonly done: Promise<WatchEnd>;
}

/** The client gives the server this much longer than timeoutSeconds to end the watch itself. */
const CLIENT_GRACE_MS = 30_000;

/**
 * The apiserver bookmarks each watch roughly every minute (its cacher's bookmarkFrequency);
 * this much silence means the connection is dead. Shorter would re-establish every quiet,
 * healthy watch before its bookmark, and a watch resumed before any bookmark keeps an ever
 * older resourceVersion, until the server answers 410 and the whole set is listed again.
 */
export const WATCH_IDLE_MS = 75_000;

/** Keepalive probes on a watch's socket start after this much quiet. */
const KEEPALIVE_MS = 15_000;

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
  liveness: Liveness,
): Promise<WatchEnd> {
  const signal = liveness.signal;
  return new Promise((resolve) => {
    const parser = new WatchEventParser();
    let settled = false;
    const finish = (end: WatchEnd): void => {
      if (settled) return;
      settled = true;
      res.destroy();
      resolve(liveness.silent() ?? end);
    };
    res.socket.setKeepAlive(true, KEEPALIVE_MS);
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
      liveness.heard();
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

/** Aborts the watch when nothing was heard for `idleMs`; told of every byte that arrives. */
class Liveness {
  private timer: NodeJS.Timeout;
  private wentSilent = false;

  constructor(
    private readonly abort: AbortController,
    private readonly idleMs: number,
  ) {
    this.timer = this.arm();
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  heard(): void {
    this.timer.refresh();
  }

  /** Why the watch ended, if it was the silence. */
  silent(): WatchEnd | undefined {
    return this.wentSilent ? { kind: "silent", idleMs: this.idleMs } : undefined;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private arm(): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.wentSilent = true;
      this.abort.abort();
    }, this.idleMs);
    timer.unref();
    return timer;
  }
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
  // Also while the server has not answered yet: a connection that never answers is as dead.
  const liveness = new Liveness(abort, options.idleTimeoutMs ?? WATCH_IDLE_MS);
  const cleanup = (): void => {
    clearTimeout(timer);
    liveness.stop();
    options.signal?.removeEventListener("abort", stop);
  };
  if (options.signal?.aborted) stop();
  try {
    const res = await stream(kc, {
      path: watchPath(options, timeoutSeconds),
      signal: abort.signal,
      ...(options.accept ? { accept: options.accept } : {}),
    });
    const done = consume(res, onEvent, liveness);
    void done.finally(cleanup);
    return { done };
  } catch (err) {
    cleanup();
    return { done: Promise.resolve(liveness.silent() ?? ended(err, abort.signal.aborted)) };
  }
}
