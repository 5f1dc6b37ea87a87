/**
 * Helpers for the engine's e2e tests: a TCP proxy in front of a real apiserver
 * that a test can cut and restore, to break watches and requests the way a
 * network failure does (TLS passes through), and a polling `eventually`.
 */
import { KubeConfig } from "../../src/kube/kubeconfig.js";
import { type Server, type Socket, connect, createServer } from "node:net";
import { eventually as pollUntil } from "./support/kube.js";

/**
 * A TCP proxy to the apiserver that can be cut (connections destroyed, port closed) and
 * restored, or stalled (bytes held back both ways, connections kept) and resumed: requests
 * through a stalled proxy hang as they do behind a congested network.
 */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stalled = false;
  private readonly held: (() => void)[] = [];
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
      this.forward(client, upstream);
      this.forward(upstream, client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private forward(from: Socket, to: Socket): void {
    const pass = (send: () => void): void => {
      if (this.stalled) this.held.push(send);
      else send();
    };
    from.on("data", (chunk: Buffer) => {
      pass(() => to.write(chunk));
    });
    from.on("end", () => {
      pass(() => to.end());
    });
  }

  /** Holds back every byte from now on, in both directions, until resume(). */
  stall(): void {
    this.stalled = true;
  }

  /** Delivers what was held back, in order, and forwards again. */
  resume(): void {
    this.stalled = false;
    for (const send of this.held.splice(0)) send();
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
