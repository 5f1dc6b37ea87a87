/**
 * The operations endpoint: /metrics for Prometheus, /healthz for liveness,
 * /readyz for readiness from named checks (kube-apiserver's output format).
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { createServer as createSecureServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthCheck {
  /** Shown in the response, e.g. "informers-synced", "leader-election". */
  readonly name: string;
  /** False or a throw means failing. */
  check(): boolean | Promise<boolean>;
}

export interface OpsServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  registry: Registry;
  healthChecks?: readonly HealthCheck[];
  readyChecks?: readonly HealthCheck[];
  /** Serve over TLS with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** Who may read /metrics (metrics-auth.ts); everyone when absent. */
  metricsAuth?: (
    authorization: string | undefined,
    path: string,
  ) => Promise<{ status: number; message: string }>;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

async function runChecks(checks: readonly HealthCheck[]): Promise<{ ok: boolean; body: string }> {
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { name: c.name, ok: await c.check() };
      } catch {
        return { name: c.name, ok: false };
      }
    }),
  );
  const failing = results.filter((r) => !r.ok).map((r) => r.name);
  const lines = results.map((r) => `[${r.ok ? "+" : "-"}]${r.name} ${r.ok ? "ok" : "failed"}`);
  lines.push(failing.length === 0 ? "ok" : `check failed: ${failing.join(", ")}`);
  return { ok: failing.length === 0, body: `${lines.join("\n")}\n` };
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

/** /metrics, for whom metricsAuth allows (everyone without it). */
async function metrics(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  const decision = await options.metricsAuth?.(req.headers.authorization, "/metrics");
  if (decision && decision.status !== 200) send(res, decision.status, decision.message);
  else send(res, 200, await options.registry.metrics(), options.registry.contentType);
}

async function route(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    send(res, 405, "method not allowed\n");
    return;
  }
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path === "/metrics") {
    await metrics(req, res, options);
    return;
  }
  if (path === "/healthz" || path === "/readyz") {
    const checks = path === "/healthz" ? options.healthChecks : options.readyChecks;
    const { ok, body } = await runChecks(checks ?? []);
    send(res, ok ? 200 : 503, body);
    return;
  }
  send(res, 404, "not found\n");
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res, options).catch(() => {
      send(res, 500, "internal error\n");
    });
  };
  const server: Server = options.tls ? createSecureServer(options.tls, handle) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
