import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiError, request } from "./http.js";
import { KubeConfig } from "./kubeconfig.js";
import { listPaged } from "./pages.js";
import { MAX_ATTEMPTS, retryDelayMs } from "./retry.js";

let server: http.Server;
let answers: ((res: http.ServerResponse) => void)[];
let seen: string[];

const ok = (res: http.ServerResponse): void => void res.end('{"ok":true}');
const status =
  (code: number, headers: Record<string, string> = {}) =>
  (res: http.ServerResponse): void => {
    res.writeHead(code, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify({ kind: "Status", code, reason: `R${code}`, message: `said ${code}` }));
  };

beforeEach(async () => {
  answers = [];
  seen = [];
  server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    (answers.shift() ?? ok)(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

describe("retries", () => {
  it("sends a GET again after 429 (waiting the Retry-After) and 503, until it succeeds", async () => {
    answers = [status(429, { "Retry-After": "1" }), status(503)];
    const started = Date.now();
    await expect(request(kubeConfig(), { method: "GET", path: "/x" })).resolves.toEqual({ ok: true });
    expect(seen).toEqual(["GET /x", "GET /x", "GET /x"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("sends a server-side apply again after 500, not a POST, PUT, merge patch or DELETE", async () => {
    answers = [status(500)];
    const apply = {
      method: "PATCH" as const,
      path: "/a",
      body: {},
      contentType: "application/apply-patch+yaml",
    };
    await expect(request(kubeConfig(), apply)).resolves.toEqual({ ok: true });
    for (const method of ["POST", "PUT", "PATCH", "DELETE"] as const) {
      answers = [status(503)];
      await expect(request(kubeConfig(), { method, path: "/b", body: {} })).rejects.toMatchObject({
        status: 503,
      });
    }
    expect(seen).toEqual(["PATCH /a", "PATCH /a", "POST /b", "PUT /b", "PATCH /b", "DELETE /b"]);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts with the last answer, and never retries a 4xx other than 429`, async () => {
    answers = Array.from({ length: 10 }, () => status(503));
    const err: unknown = await request(kubeConfig(), { method: "GET", path: "/down" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeApiError);
    expect(seen).toHaveLength(MAX_ATTEMPTS);
    seen = [];
    answers = [status(404)];
    await expect(request(kubeConfig(), { method: "GET", path: "/gone" })).rejects.toMatchObject({
      status: 404,
    });
    expect(seen).toHaveLength(1);
  });

  it("backs off exponentially with jitter, bounded, and honours a longer Retry-After", () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(400);
    expect(retryDelayMs(20, undefined, () => 1)).toBe(5000);
    expect(retryDelayMs(1, "3", () => 0)).toBe(3000);
    expect(retryDelayMs(1, "3600", () => 0)).toBe(10_000);
  });
});

describe("listPaged", () => {
  const fetch = (total: number, log: string[], expireAt?: number) => {
    let expired = false;
    return (path: string): Promise<unknown> => {
      log.push(path);
      const url = new URL(path, "http://x");
      const from = Number(url.searchParams.get("continue") ?? "0");
      if (expireAt !== undefined && from === expireAt && !expired) {
        expired = true;
        return Promise.reject(new KubeApiError(410, "Expired", "continue token expired"));
      }
      const limit = Number(url.searchParams.get("limit"));
      const to = Math.min(from + limit, total);
      const items = Array.from({ length: to - from }, (_, i) => from + i);
      return Promise.resolve({
        items,
        metadata: { resourceVersion: `rv${from}`, continue: to < total ? String(to) : "" },
      });
    };
  };

  it("lists 10,000 objects in pages of at most 500, the first page's resourceVersion the list's", async () => {
    const log: string[] = [];
    const list = await listPaged(fetch(10_000, log), "/api/v1/configmaps", { labelSelector: "a=b" });
    expect(list.items).toHaveLength(10_000);
    expect(list.items[9_999]).toBe(9_999);
    expect(list.resourceVersion).toBe("rv0");
    expect(log).toHaveLength(20);
    expect(log[0]).toBe("/api/v1/configmaps?labelSelector=a%3Db&limit=500");
    expect(log[1]).toBe("/api/v1/configmaps?labelSelector=a%3Db&limit=500&continue=500");
  });

  it("starts over once when a continue token expired", async () => {
    const log: string[] = [];
    const list = await listPaged(fetch(1_200, log, 500), "/c");
    expect(list.items).toHaveLength(1_200);
    expect(log.filter((p) => !p.includes("continue"))).toHaveLength(2);
  });
});
