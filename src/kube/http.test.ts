import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeApiError, request } from "./http.js";
import { KubeConfig } from "./kubeconfig.js";
import type { User } from "./kubeconfig-model.js";
import { MAX_SOCKETS } from "./transport.js";
import { startForwardProxy } from "../../test/support/forward-proxy.js";

let server: http.Server;
let connections: number;
let inFlight: number;
let maxInFlight: number;
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
const sockets = new Set<Socket>();

beforeEach(async () => {
  connections = 0;
  inFlight = 0;
  maxInFlight = 0;
  answer = (_req, res) => res.end(JSON.stringify({ ok: true }));
  server = http.createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("finish", () => inFlight--);
    answer(req, res);
  });
  server.on("connection", (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function kubeConfig(user: User = { name: "u", token: "t" }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }],
    users: [user],
    contexts: [{ name: "x", cluster: "c", user: user.name }],
    currentContext: "x",
  });
  return kc;
}

describe("request", () => {
  it("reuses one connection for calls one after another", async () => {
    const kc = kubeConfig();
    for (let i = 0; i < 5; i++) await request(kc, { method: "GET", path: "/version" });
    expect(connections).toBe(1);
  });

  it(`runs at most ${MAX_SOCKETS} calls at once per KubeConfig; the rest wait for a connection`, async () => {
    answer = (_req, res) => setTimeout(() => res.end("{}"), 30);
    const kc = kubeConfig();
    await Promise.all(Array.from({ length: 50 }, () => request(kc, { method: "GET", path: "/slow" })));
    expect(maxInFlight).toBe(MAX_SOCKETS);
    expect(connections).toBe(MAX_SOCKETS);
  });

  it("sends JSON with the user's credential and turns a Status into KubeApiError", async () => {
    let seen: { auth?: string; type?: string; body: string } = { body: "" };
    answer = (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        seen = { auth: req.headers.authorization, type: req.headers["content-type"], body };
        res.writeHead(409, { "Content-Type": "application/json" });
        res.end(
          JSON.stringify({
            kind: "Status",
            code: 409,
            reason: "Conflict",
            message: "the object was modified",
          }),
        );
      });
    };
    const call = request(kubeConfig(), { method: "PUT", path: "/x", body: { a: 1 } });
    await expect(call).rejects.toThrow(new KubeApiError(409, "Conflict", "the object was modified"));
    expect(seen).toEqual({ auth: "Bearer t", type: "application/json", body: '{"a":1}' });
  });

  it("sends a DELETE body with its length, so the connection stays usable for the next call", async () => {
    const bodies: string[] = [];
    answer = (req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        bodies.push(`${req.method} ${body}`);
        res.end("{}");
      });
    };
    const kc = kubeConfig();
    await request(kc, { method: "DELETE", path: "/x", body: { kind: "DeleteOptions" } });
    await request(kc, { method: "GET", path: "/y" });
    expect(bodies).toEqual(['DELETE {"kind":"DeleteOptions"}', "GET "]);
    expect(connections).toBe(1);
  });

  it("sends again once when a pooled connection turns out closed by the server", async () => {
    const kc = kubeConfig();
    await request(kc, { method: "GET", path: "/first" });
    // The server drops the idle connection without telling; the next call finds out on use.
    let calls = 0;
    answer = (req, res) => {
      calls++;
      if (calls === 1) req.socket.destroy();
      else res.end("{}");
    };
    await expect(request(kc, { method: "GET", path: "/again" })).resolves.toEqual({});
    expect(calls).toBe(2);
  });

  it("asks an exec plugin again after a 401", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spe-http-"));
    const plugin = join(dir, "plugin.sh");
    const reply = JSON.stringify({
      apiVersion: "client.authentication.k8s.io/v1",
      kind: "ExecCredential",
      status: { token: "tok" },
    });
    await writeFile(plugin, `#!/bin/sh\necho run >> "${dir}/runs"\nprintf '%s' '${reply}'\n`);
    await chmod(plugin, 0o755);
    const kc = kubeConfig({
      name: "e",
      exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin },
    });
    answer = (req, res) => {
      res.writeHead(req.url === "/denied" ? 401 : 200);
      res.end("{}");
    };
    await request(kc, { method: "GET", path: "/ok" });
    await request(kc, { method: "GET", path: "/ok" });
    await expect(request(kc, { method: "GET", path: "/denied" })).rejects.toMatchObject({ status: 401 });
    await request(kc, { method: "GET", path: "/ok" });
    expect((await readFile(join(dir, "runs"), "utf8")).trim().split("\n")).toHaveLength(2);
  });

  it("reports a missing credential file at the call and tries again at the next", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spe-http-"));
    const kc = kubeConfig({ name: "u", certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });
    await expect(request(kc, { method: "GET", path: "/" })).rejects.toThrow(
      "cannot read client certificate file",
    );
    await expect(request(kc, { method: "GET", path: "/" })).rejects.toThrow(
      "cannot read client certificate file",
    );
  });
});

describe("impersonation and proxies", () => {
  it("sends the user's as, as-uid, as-groups and as-user-extra as Impersonate-* headers", async () => {
    let headers: string[] = [];
    answer = (req, res) => {
      headers = req.rawHeaders.filter(
        (_, i) => i % 2 === 0 && /^impersonate-/i.test(req.rawHeaders[i] ?? ""),
      );
      headers = headers.map(
        (h) => `${h.toLowerCase()}=${req.rawHeaders[req.rawHeaders.indexOf(h) + 1] ?? ""}`,
      );
      res.end("{}");
    };
    const kc = kubeConfig({
      name: "u",
      token: "t",
      impersonate: "alice",
      impersonateUid: "42",
      impersonateGroups: ["g1"],
      impersonateExtra: { "scopes.example.com/x": ["read"] },
    });
    await request(kc, { method: "GET", path: "/x" });
    expect(headers.sort()).toEqual([
      "impersonate-extra-scopes.example.com%2fx=read",
      "impersonate-group=g1",
      "impersonate-uid=42",
      "impersonate-user=alice",
    ]);
  });

  it("sends one Impersonate-Group header per group", async () => {
    let groups: string[] = [];
    answer = (req, res) => {
      groups = req.headersDistinct["impersonate-group"] ?? [];
      res.end("{}");
    };
    const kc = kubeConfig({ name: "u", token: "t", impersonate: "a", impersonateGroups: ["g1", "g2"] });
    await request(kc, { method: "GET", path: "/x" });
    expect(groups).toEqual(["g1", "g2"]);
  });

  it("goes through the cluster's proxy-url, even to a loopback server", async () => {
    const proxy = await startForwardProxy();
    try {
      const port = (server.address() as AddressInfo).port;
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, proxyUrl: proxy.url }],
        users: [{ name: "u", token: "t" }],
        contexts: [{ name: "x", cluster: "c", user: "u" }],
        currentContext: "x",
      });
      await expect(request(kc, { method: "GET", path: "/via" })).resolves.toEqual({ ok: true });
      expect(proxy.seen).toEqual([`http://127.0.0.1:${port}/via`]);
    } finally {
      await proxy.close();
    }
  });

  it("leaves a loopback server direct although HTTP_PROXY is set, as client-go does", async () => {
    const proxy = await startForwardProxy();
    process.env.HTTP_PROXY = proxy.url;
    try {
      await expect(request(kubeConfig(), { method: "GET", path: "/direct" })).resolves.toEqual({ ok: true });
      expect(proxy.seen).toEqual([]);
    } finally {
      delete process.env.HTTP_PROXY;
      await proxy.close();
    }
  });
});
