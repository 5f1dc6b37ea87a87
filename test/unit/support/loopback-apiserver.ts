/**
 * For unit tests only: one namespaced collection served over plain HTTP on loopback,
 * with list, watch (events replayed from a resourceVersion, bookmarks, 410 for a
 * compacted one) and ways to break it. Just enough apiserver to test the watch
 * protocol offline; the e2e tests use real apiservers.
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { KubeConfig } from "../../../src/kube/kubeconfig.js";
import type { KubernetesObject } from "../../../src/kube/object.js";

interface Logged {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubernetesObject;
}

export interface SeenRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
}

export const COLLECTION = "/api/v1/namespaces/ns/configmaps";

export class FakeApiServer {
  readonly requests: SeenRequest[] = [];
  /** Connections the server accepted, and those still open. */
  connections = 0;
  readonly open = new Set<Socket>();
  /** Requests to answer with this status (and a Status body) instead, in order. */
  readonly failures: number[] = [];
  private rv = 100;
  private compactedBelow = 0;
  private readonly objects = new Map<string, KubernetesObject>();
  private readonly log: Logged[] = [];
  private readonly watches = new Set<http.ServerResponse>();
  private readonly server = http.createServer((req, res) => {
    this.serve(req, res);
  });

  async start(): Promise<void> {
    this.server.on("connection", (socket: Socket) => {
      this.connections++;
      this.open.add(socket);
      socket.on("close", () => this.open.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  kubeConfig(token = "test-token"): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "fake", server: this.url }],
      users: [{ name: "u", token }],
      contexts: [{ name: "fake", cluster: "fake", user: "u" }],
      currentContext: "fake",
    });
    return kc;
  }

  /** The watch requests seen, in order. */
  watchRequests(): URL[] {
    return this.requests.filter((r) => r.url.searchParams.get("watch") === "true").map((r) => r.url);
  }

  listRequests(): URL[] {
    return this.requests.filter((r) => r.url.searchParams.get("watch") !== "true").map((r) => r.url);
  }

  activeWatches(): number {
    return this.watches.size;
  }

  put(name: string, data: Record<string, string>): void {
    const type = this.objects.has(name) ? "MODIFIED" : "ADDED";
    const object = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "ns", resourceVersion: String(++this.rv) },
      data,
    };
    this.objects.set(name, object);
    this.record({ rv: this.rv, type, object });
  }

  remove(name: string): void {
    const old = this.objects.get(name);
    if (!old) return;
    this.objects.delete(name);
    const object = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.record({ rv: this.rv, type: "DELETED", object });
  }

  /** A bookmark at the current resourceVersion to every open watch. */
  bookmark(): void {
    this.broadcast({
      type: "BOOKMARK",
      object: { kind: "ConfigMap", metadata: { resourceVersion: String(this.rv) } },
    });
  }

  /** Every resourceVersion before the current one is too old to watch from. */
  compact(): void {
    this.compactedBelow = this.rv;
  }

  /** Ends every watch the way the apiserver does at timeoutSeconds. */
  closeWatches(): void {
    for (const res of this.watches) res.end();
    this.watches.clear();
  }

  /** An ERROR event (a Status) on every watch, then the end, as the apiserver does. */
  errorWatches(code: number): void {
    this.broadcast({
      type: "ERROR",
      object: { kind: "Status", code, reason: code === 410 ? "Expired" : "Boom" },
    });
    this.closeWatches();
  }

  /** Cuts every connection, as a network failure does. */
  breakConnections(): void {
    for (const socket of this.open) socket.destroy();
    this.watches.clear();
  }

  /** Raw text on every watch, e.g. half a line. */
  writeWatches(text: string): void {
    for (const res of this.watches) res.write(text);
  }

  private record(entry: Logged): void {
    this.log.push(entry);
    this.broadcast({ type: entry.type, object: entry.object });
  }

  private broadcast(event: { type: string; object: unknown }): void {
    for (const res of this.watches) res.write(`${JSON.stringify(event)}\n`);
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push({ method: req.method ?? "", url, headers: req.headers });
    const failure = this.failures.shift();
    if (failure !== undefined) {
      status(res, failure, "Injected");
      return;
    }
    if (url.pathname !== COLLECTION) {
      status(res, 404, "NotFound");
      return;
    }
    if (url.searchParams.get("watch") !== "true") {
      const items = [...this.objects.values()].map(({ apiVersion: _a, kind: _k, ...rest }) => rest);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({ kind: "ConfigMapList", metadata: { resourceVersion: String(this.rv) }, items }),
      );
      return;
    }
    const from = Number(url.searchParams.get("resourceVersion") ?? "0");
    if (from < this.compactedBelow) {
      status(res, 410, "Expired");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    for (const entry of this.log.filter((e) => e.rv > from))
      res.write(`${JSON.stringify({ type: entry.type, object: entry.object })}\n`);
    this.watches.add(res);
    res.on("close", () => this.watches.delete(res));
  }
}

function status(res: http.ServerResponse, code: number, reason: string): void {
  res.writeHead(code, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({ kind: "Status", status: "Failure", code, reason, message: `${reason} (HTTP ${code})` }),
  );
}
