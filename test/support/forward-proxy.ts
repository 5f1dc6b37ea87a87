/**
 * A forward proxy for tests, as corporate proxies are: HTTPS goes through CONNECT tunnels
 * (the proxy sees only host:port), plain HTTP as absolute-URI requests. It records what it
 * forwarded, so a test can tell that a client went through it rather than around it.
 * Loopback only.
 */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";

export interface ForwardProxy {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** host:port of every CONNECT, and the absolute URL of every plain request, in order. */
  readonly seen: readonly string[];
  /** The User-Agent of each entry of `seen` (Go's client says Go-http-client), so a test tells the processes apart. */
  readonly userAgents: readonly string[];
  close(): Promise<void>;
}

function tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer, sockets: Set<net.Socket>): void {
  const [host = "", port = ""] = (req.url ?? "").split(/:(?=\d+$)/);
  const upstream = net.connect(Number(port), host.replace(/^\[|\]$/g, ""), () => {
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  for (const s of [upstream, client]) {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  }
  upstream.on("error", () => client.destroy());
  client.on("error", () => upstream.destroy());
}

function relay(req: http.IncomingMessage, res: http.ServerResponse): void {
  const target = new URL(req.url ?? "");
  const out = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on("error", () => res.destroy());
  req.pipe(out);
}

export async function startForwardProxy(): Promise<ForwardProxy> {
  const seen: string[] = [];
  const userAgents: string[] = [];
  const record = (req: http.IncomingMessage): void => {
    seen.push(req.url ?? "");
    userAgents.push(req.headers["user-agent"] ?? "");
  };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    record(req);
    relay(req, res);
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    record(req);
    tunnel(req, client, head, sockets);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    userAgents,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
