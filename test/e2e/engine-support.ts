/**
 * Helpers for the engine's e2e tests: a TCP proxy in front of a real apiserver
 * that a test can cut and restore, to break watches and requests the way a
 * network failure does (TLS passes through), and a polling `eventually`.
 */
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { type Server, type Socket, connect, createServer } from "node:net";
import { eventually as pollUntil } from "./support/kube.js";

/** A TCP proxy to the apiserver that can be cut (connections destroyed, port closed) and restored. */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: URL) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => {
      if (server)
        server.close(() => {
          resolve();
        });
      else resolve();
    });
  }

  /** A copy of `base` that talks to the apiserver through this proxy. */
  kubeConfig(base: KubeConfig): KubeConfig {
    const proxied = new KubeConfig();
    proxied.loadFromOptions({
      clusters: base.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${this.port}` })),
      users: base.users,
      contexts: base.contexts,
      currentContext: base.currentContext,
    });
    return proxied;
  }
}

/** support/kube's eventually with the tighter defaults these engine tests use (30 s, every 100 ms). */
export function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  return pollUntil(what, check, timeoutMs, intervalMs);
}
