/**
 * A minimal JSON HTTP transport to a kube-apiserver from a KubeConfig.
 * Why not the generated clients: their serializer maps built-in kinds onto model classes,
 * which renames fields (CRD schemas' `default` becomes `_default`) and drops unknown ones;
 * drift detection needs the server's JSON exactly as sent. @internal
 */
import http from "node:http";
import https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export interface HttpResponse {
  status: number;
  body: unknown;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** A failed API call: HTTP status plus the Status object's reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function send(url: URL, options: https.RequestOptions, payload: string | undefined): Promise<HttpResponse> {
  const lib = url.protocol === "http:" ? http : https;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body: parse(Buffer.concat(chunks).toString("utf8")) });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`request to ${url.host} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

function errorOf(res: HttpResponse, req: HttpRequest): KubeApiError {
  const body = typeof res.body === "object" && res.body !== null ? (res.body as Record<string, unknown>) : {};
  const reason = typeof body.reason === "string" ? body.reason : `HTTP${res.status}`;
  const message =
    typeof body.message === "string" ? body.message : `${req.method} ${req.path}: HTTP ${res.status}`;
  return new KubeApiError(res.status, reason, message);
}

/** Sends one request; non-2xx answers become KubeApiError. */
export async function request(kc: KubeConfig, req: HttpRequest): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const options: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {
    Accept: "application/json",
    ...(options.headers as Record<string, string>),
  };
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) headers["Content-Type"] = req.contentType ?? "application/json";
  const url = new URL(cluster.server.replace(/\/$/, "") + req.path);
  const res = await send(
    url,
    {
      ...options,
      method: req.method,
      headers,
      timeout: req.timeoutMs ?? 30_000,
      ...(req.signal ? { signal: req.signal } : {}),
    },
    payload,
  );
  if (res.status < 200 || res.status > 299) throw errorOf(res, req);
  return res.body;
}
