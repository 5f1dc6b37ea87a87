/**
 * A fault proxy between a client and a real kube-apiserver, for fault tests: it forwards
 * every connection and, on request, pauses connections (bytes held back both ways), cuts
 * them, half-opens them (the client's bytes still go through, the server's answers never
 * come back, nothing is closed: a connection a middlebox has lost), or answers new requests
 * 429 with a Retry-After. Loopback only.
 *
 * With a serving certificate (`tls`) it terminates TLS and opens its own TLS connection to
 * the apiserver, so it sees each connection's first request line (a watch is told from a
 * list) and can answer 429 itself; a client then authenticates with a bearer token, since
 * its client certificate ends at the proxy. Without one it forwards bytes only (TLS passes
 * through, any credential works) and `firstLine` stays empty.
 */
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";

export interface FaultProxyOptions {
  /** The apiserver, e.g. https://127.0.0.1:6443. */
  target: URL;
  /** Terminate TLS with this certificate; `ca` verifies the apiserver's. */
  tls?: { cert: string; key: string; ca: string };
}

/** What new connections meet: forwarded, closed at once, accepted and never answered, or 429. */
export type NewConnections =
  | { kind: "forward" }
  | { kind: "refuse" }
  | { kind: "blackhole" }
  | { kind: "tooManyRequests"; retryAfterSeconds: number };

export interface ProxiedConnection {
  readonly id: number;
  /** The first request line the client sent (`GET /api/v1/...?watch=true HTTP/1.1`); empty without TLS termination. */
  readonly firstLine: string;
  /** The first request's Authorization header (whose token it was); empty without TLS termination. */
  readonly authorization: string;
  /** How it is treated now. */
  readonly state: "forwarding" | "paused" | "halfOpen";
}

type Match = (c: ProxiedConnection) => boolean;

interface Connection extends ProxiedConnection {
  firstLine: string;
  authorization: string;
  state: ProxiedConnection["state"];
  client: net.Socket;
  upstream: net.Socket | undefined;
  /** Bytes held back while paused, with where they go. */
  held: (() => void)[];
}

const all: Match = () => true;

/** Whether a connection carries a watch (its first request asked for one). */
export const isWatch: Match = (c) => /[?&]watch=(true|1)\b/.test(c.firstLine);

export class FaultProxy {
  private server: net.Server | undefined;
  private readonly open = new Map<number, Connection>();
  private nextId = 0;
  private incoming: NewConnections = { kind: "forward" };
  /** Requests answered 429 so far. */
  tooManyRequestsAnswered = 0;
  port = 0;

  constructor(private readonly options: FaultProxyOptions) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = this.options.tls
      ? tls.createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, (c) => {
          this.accept(c);
        })
      : net.createServer((c) => {
          this.accept(c);
        });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** The open connections, oldest first. */
  connections(): ProxiedConnection[] {
    return [...this.open.values()].map(({ id, firstLine, authorization, state }) => ({
      id,
      firstLine,
      authorization,
      state,
    }));
  }

  /** How connections accepted from now on are treated; those already open keep their state. */
  meet(incoming: NewConnections): void {
    if (incoming.kind === "tooManyRequests" && !this.options.tls)
      throw new Error("fault proxy: answering 429 needs TLS termination (options.tls)");
    this.incoming = incoming;
  }

  /** Holds back every byte of the matching connections, both ways, until resume(). Returns how many. */
  pause(match: Match = all): number {
    return this.each(match, (c) => {
      if (c.state === "forwarding") c.state = "paused";
    });
  }

  /** Delivers what paused connections held back, in order, and forwards again. */
  resume(match: Match = all): number {
    return this.each(match, (c) => {
      if (c.state !== "paused") return;
      c.state = "forwarding";
      for (const send of c.held.splice(0)) send();
    });
  }

  /**
   * The matching connections stay open and the client's bytes still reach the server, but
   * nothing the server sends reaches the client any more, for good. Returns how many.
   */
  halfOpen(match: Match = all): number {
    return this.each(match, (c) => {
      c.state = "halfOpen";
      c.held.length = 0;
    });
  }

  /** Destroys the matching connections (the client sees a reset). Returns how many. */
  cut(match: Match = all): number {
    return this.each(match, (c) => {
      c.client.destroy();
      c.upstream?.destroy();
    });
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.cut();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private each(match: Match, fn: (c: Connection) => void): number {
    let n = 0;
    for (const c of this.open.values())
      if (match(c)) {
        fn(c);
        n++;
      }
    return n;
  }

  private accept(client: net.Socket): void {
    client.on("error", () => client.destroy());
    const incoming = this.incoming;
    if (incoming.kind === "refuse") {
      client.destroy();
      return;
    }
    const c: Connection = {
      id: ++this.nextId,
      firstLine: "",
      authorization: "",
      state: "forwarding",
      client,
      upstream: undefined,
      held: [],
    };
    this.open.set(c.id, c);
    client.on("close", () => {
      this.open.delete(c.id);
      c.upstream?.destroy();
    });
    if (incoming.kind === "blackhole") {
      client.resume(); // read and drop: accepted, never answered
      return;
    }
    if (incoming.kind === "tooManyRequests") {
      this.tooManyRequests(c, incoming.retryAfterSeconds);
      return;
    }
    if (this.options.tls) this.readFirstLine(c);
    else this.connect(c, Buffer.alloc(0));
  }

  /** Waits for the first request's head, then connects with what was read so far. */
  private readFirstLine(c: Connection): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      c.client.off("data", onData);
      c.client.pause();
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      c.firstLine = lines[0] ?? "";
      c.authorization = /^authorization:\s*(.*)$/im.exec(lines.join("\n"))?.[1] ?? "";
      this.connect(c, head);
    };
    c.client.on("data", onData);
  }

  private tooManyRequests(c: Connection, retryAfterSeconds: number): void {
    let head = "";
    c.client.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      c.firstLine = head.slice(0, head.indexOf("\r\n"));
      this.tooManyRequestsAnswered++;
      const body = JSON.stringify({
        kind: "Status",
        apiVersion: "v1",
        status: "Failure",
        message: "the fault proxy says: too many requests",
        reason: "TooManyRequests",
        code: 429,
      });
      c.client.end(
        `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n` +
          `Retry-After: ${retryAfterSeconds}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    });
  }

  private connect(c: Connection, head: Buffer): void {
    const port = Number(this.options.target.port);
    const host = this.options.target.hostname;
    const upstream = this.options.tls
      ? tls.connect({ port, host, ca: this.options.tls.ca, ...(net.isIP(host) ? {} : { servername: host }) })
      : net.connect(port, host);
    c.upstream = upstream;
    // A half-open connection tells the client nothing, not even that the server went away.
    const gone = (): void => {
      if (c.state !== "halfOpen") c.client.destroy();
    };
    upstream.on("error", gone);
    upstream.on("close", gone);
    if (head.length > 0) upstream.write(head);
    this.forward(c, c.client, upstream, "up");
    this.forward(c, upstream, c.client, "down");
    c.client.resume();
  }

  private forward(c: Connection, from: net.Socket, to: net.Socket, direction: "up" | "down"): void {
    const pass = (send: () => void): void => {
      if (c.state === "halfOpen" && direction === "down") return;
      if (c.state === "paused") c.held.push(send);
      else send();
    };
    from.on("data", (chunk: Buffer) => {
      pass(() => to.write(chunk));
    });
    from.on("end", () => {
      pass(() => to.end());
    });
  }
}

/** A started fault proxy. */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxy(options);
  await proxy.start();
  return proxy;
}
