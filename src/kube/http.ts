/**
 * A minimal JSON HTTP transport to a kube-apiserver from a KubeConfig.
 * Why not the generated clients: their serializer maps built-in kinds onto model classes,
 * which renames fields (CRD schemas' `default` becomes `_default`) and drops unknown ones;
 * drift detection needs the server's JSON exactly as sent. @internal
 */
import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "./kubeconfig.js";
import type { Credential } from "./credentials.js";
import { type Transport, transportFor } from "./transport.js";
import { MAX_ATTEMPTS, idempotent, pause, retryDelayMs, retryable } from "./retry.js";

export interface HttpResponse {
  status: number;
  body: unknown;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  contentType?: string;
  /** The Accept header; JSON by default (metadata-only lists and watches ask for PartialObjectMetadata). */
  accept?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** One request sent, for metrics (client-go's rest_client_requests_total). */
export interface RequestOutcome {
  /** host:port of the apiserver. */
  host: string;
  method: string;
  /** HTTP status, or "<error>" when no response came (client-go's label for that). */
  code: string;
}

const observers = new Set<(outcome: RequestOutcome) => void>();

/** Tells `observer` of every request sent; returns the function that stops telling it. */
export function observeRequests(observer: (outcome: RequestOutcome) => void): () => void {
  observers.add(observer);
  return () => {
    observers.delete(observer);
  };
}

function told(outcome: RequestOutcome): void {
  for (const observer of observers) observer(outcome);
}

/** One field the apiserver named in a rejection (metav1.StatusCause). */
export interface StatusCause {
  /** e.g. `FieldValueInvalid`, `FieldValueDuplicate`, `FieldValueForbidden`. */
  reason?: string;
  message?: string;
  /** The field's path as the server writes it, e.g. `spec.ports[1].name`. */
  field?: string;
}

/** A failed API call: HTTP status plus the Status object's reason, message and causes. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: readonly StatusCause[] = [],
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** A pooled connection the server had closed while idle; the request never reached it. */
class StaleConnection extends Error {
  constructor(readonly original: Error) {
    super(original.message);
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readBody(res: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => {
      resolve(parse(Buffer.concat(chunks).toString("utf8")));
    });
    res.on("error", reject);
  });
}

function open(
  url: URL,
  options: https.RequestOptions,
  payload: string | undefined,
): Promise<http.IncomingMessage> {
  const lib = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, options, resolve);
    req.on("timeout", () => req.destroy(new Error(`request to ${url.host} timed out`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
      reject(stale ? new StaleConnection(err) : err);
    });
    req.end(payload);
  });
}

function causesOf(details: unknown): StatusCause[] {
  const causes = (details as { causes?: unknown } | undefined)?.causes;
  if (!Array.isArray(causes)) return [];
  return causes.flatMap((c: unknown): StatusCause[] => {
    if (typeof c !== "object" || c === null) return [];
    const out: StatusCause = {};
    for (const key of ["reason", "message", "field"] as const) {
      const value = (c as Record<string, unknown>)[key];
      if (typeof value === "string") out[key] = value;
    }
    return [out];
  });
}

function errorOf(status: number, body: unknown, req: { method: string; path: string }): KubeApiError {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const reason = typeof fields.reason === "string" ? fields.reason : `HTTP${status}`;
  const message =
    typeof fields.message === "string" ? fields.message : `${req.method} ${req.path}: HTTP ${status}`;
  return new KubeApiError(status, reason, message, causesOf(fields.details));
}

interface Exchange {
  req: HttpRequest;
  watch: boolean;
}

function headersFor(
  req: HttpRequest,
  transport: Transport,
  credential: Credential,
  payload: string | undefined,
): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {
    ...transport.headers,
    Accept: req.accept ?? "application/json",
  };
  if (credential.authorization) headers.Authorization = credential.authorization;
  if (payload !== undefined) {
    headers["Content-Type"] = req.contentType ?? "application/json";
    // Node sends a DELETE body without a length, which a reused connection would take for the next request.
    headers["Content-Length"] = String(Buffer.byteLength(payload));
  }
  return headers;
}

function optionsFor(
  transport: Transport,
  { req, watch }: Exchange,
  credential: Credential,
): https.RequestOptions {
  return {
    method: req.method,
    agent: watch ? transport.watchAgent : transport.agent,
    // A watch runs for minutes; its end is the watch's business (see watch.ts).
    ...(watch ? {} : { timeout: req.timeoutMs ?? 30_000 }),
    ...(req.signal ? { signal: req.signal } : {}),
    ...(credential.cert && credential.key ? { cert: credential.cert, key: credential.key } : {}),
  };
}

/** Sends the request with the user's credential; resolves with the response, its body unread. */
async function exchange(kc: KubeConfig, exchanged: Exchange): Promise<http.IncomingMessage> {
  const { req } = exchanged;
  const transport = transportFor(kc);
  const credential = await transport.credential();
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  const options = {
    ...optionsFor(transport, exchanged, credential),
    headers: headersFor(req, transport, credential, payload),
  };
  const url = new URL(transport.server + req.path);
  let res: http.IncomingMessage;
  try {
    res = await openOnce(url, options, payload, req.method);
  } catch (err) {
    told({ host: url.host, method: req.method, code: "<error>" });
    throw err;
  }
  told({ host: url.host, method: req.method, code: String(res.statusCode ?? 0) });
  if (res.statusCode === 401) transport.rejected();
  return res;
}

async function openOnce(
  url: URL,
  options: https.RequestOptions,
  payload: string | undefined,
  method: string,
): Promise<http.IncomingMessage> {
  try {
    return await open(url, options, payload);
  } catch (err) {
    if (!(err instanceof StaleConnection)) throw err;
    // Only the connection was stale, so sending again is safe; except a POST, as net/http would not either.
    if (method === "POST") throw err.original;
    return open(url, options, payload);
  }
}

/**
 * Sends one request; non-2xx answers become KubeApiError. An idempotent request answered
 * 429 or 5xx is sent again after a backoff (retry.ts), at most MAX_ATTEMPTS times in all.
 */
export async function request(kc: KubeConfig, req: HttpRequest): Promise<unknown> {
  const attempts = idempotent(req) ? MAX_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    const res = await exchange(kc, { req, watch: false });
    const status = res.statusCode ?? 0;
    const body = await readBody(res);
    if (status >= 200 && status <= 299) return body;
    if (attempt >= attempts || !retryable(status) || req.signal?.aborted) throw errorOf(status, body, req);
    const retryAfter = res.headers["retry-after"];
    await pause(retryDelayMs(attempt, retryAfter), req.signal);
  }
}

/** A long-lived GET (a watch): resolves with the streaming response once it is 2xx; else KubeApiError. */
export async function stream(
  kc: KubeConfig,
  req: { path: string; signal?: AbortSignal; accept?: string },
): Promise<http.IncomingMessage> {
  const get: HttpRequest = { method: "GET", ...req };
  const res = await exchange(kc, { req: get, watch: true });
  const status = res.statusCode ?? 0;
  if (status >= 200 && status <= 299) return res;
  throw errorOf(status, await readBody(res), get);
}
