/**
 * The body of a watch response: one JSON event per line, `{"type": ..., "object": ...}`,
 * arriving in chunks that split lines (and UTF-8 characters) anywhere.
 */
import { StringDecoder } from "node:string_decoder";
import { KubeApiError } from "./http.js";
import type { KubernetesObject } from "./object.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

const TYPES: readonly string[] = ["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"];

export interface WatchEvent {
  readonly type: WatchEventType;
  /** The object; a metav1.Status for ERROR; for BOOKMARK only its kind and metadata.resourceVersion. */
  readonly object: KubernetesObject;
}

function malformed(what: string): Error {
  // Never quote the line: it may be a Secret.
  return new Error(`malformed watch event: ${what}`);
}

export function parseWatchEvent(line: string): WatchEvent {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    throw malformed("not JSON");
  }
  const event = (typeof doc === "object" && doc !== null ? doc : {}) as { type?: unknown; object?: unknown };
  if (typeof event.type !== "string" || !TYPES.includes(event.type)) throw malformed("unknown type");
  if (typeof event.object !== "object" || event.object === null) throw malformed("no object");
  return { type: event.type as WatchEventType, object: event.object };
}

/** Feed it the body's chunks in order; it returns the events that are complete so far. */
export class WatchEventParser {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  push(chunk: Buffer | string): WatchEvent[] {
    return this.lines(this.partial + (typeof chunk === "string" ? chunk : this.decoder.write(chunk)));
  }

  /** The body ended: a last line without a newline still counts. */
  end(): WatchEvent[] {
    const rest = this.partial + this.decoder.end();
    this.partial = "";
    return rest.trim() ? [parseWatchEvent(rest)] : [];
  }

  private lines(text: string): WatchEvent[] {
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    return lines.filter((l) => l.trim() !== "").map(parseWatchEvent);
  }
}

/** An ERROR event's Status as an error; 410 means the resourceVersion is too old to resume from. */
export function errorEventOf(event: WatchEvent): KubeApiError {
  const status = event.object as { code?: unknown; reason?: unknown; message?: unknown };
  const code = typeof status.code === "number" ? status.code : 500;
  const reason = typeof status.reason === "string" ? status.reason : `HTTP${code}`;
  const message = typeof status.message === "string" ? status.message : "watch ERROR event";
  return new KubeApiError(code, reason, message);
}
