/**
 * The connections to one KubeConfig's current cluster, built once per KubeConfig
 * instance: TLS material read once, one keep-alive agent for request/response calls,
 * and the user's credential source. Watches get their own agent: each holds its socket
 * for minutes, and dozens of them in the pooled agent would starve every other call.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { type Credential, type CredentialSource, credentialSource } from "./credentials.js";
import type { KubeConfig } from "./kubeconfig.js";
import type { Cluster, User } from "./kubeconfig-model.js";
import { type Headers, impersonationHeaders } from "./impersonation.js";
import { proxyFor } from "./proxy.js";

/**
 * Concurrent request/response calls per cluster; more wait for a free socket. Every socket
 * opened is kept until idle for FREE_SOCKET_TIMEOUT_MS: with fewer kept than opened, load
 * that hovers between the two would close sockets only to open new ones, each with a TLS
 * handshake.
 */
export const MAX_SOCKETS = 32;
/** Idle pooled sockets close before the apiserver's own idle timeout (90 s) can race a request. */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

export interface Transport {
  readonly server: string;
  /** For request/response calls: keep-alive, at most MAX_SOCKETS connections. */
  readonly agent: http.Agent;
  /** For watches: one connection each, never pooled. */
  readonly watchAgent: http.Agent;
  /** Sent with every request: the user's impersonation (impersonation.ts). */
  readonly headers: Headers;
  credential(): Promise<Credential>;
  /** The apiserver said 401 to this credential. */
  rejected(): void;
}

interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
  servername?: string;
}

function pem(data: string | undefined, file: string | undefined, what: string): Buffer | undefined {
  if (data) return Buffer.from(data, "base64");
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Inline data wins over a file, as in client-go. */
function tlsMaterial(cluster: Cluster, user: User | undefined): TlsMaterial {
  const tls: TlsMaterial = {};
  const ca = pem(cluster.caData, cluster.caFile, "certificate authority file");
  const cert = pem(user?.certData, user?.certFile, "client certificate file");
  const key = pem(user?.keyData, user?.keyFile, "client key file");
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  // Only when asked: otherwise Node's default (and NODE_TLS_REJECT_UNAUTHORIZED) applies, as with client-node.
  if (cluster.skipTLSVerify) tls.rejectUnauthorized = false;
  if (cluster.tlsServerName) tls.servername = cluster.tlsServerName;
  return tls;
}

/** Node's agents take a proxy since 24.5; on an older Node a proxy would be bypassed, so it is refused. */
function proxyEnv(server: string, cluster: Cluster): http.ProxyEnv | undefined {
  const proxy = proxyFor(server, cluster.proxyUrl);
  if (!proxy) return undefined;
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < 24 || (major === 24 && minor < 5))
    throw new Error(
      `cluster "${cluster.name}" is reached through a proxy, which needs Node.js 24.5 or later`,
    );
  return server.startsWith("http:") ? { HTTP_PROXY: proxy.href } : { HTTPS_PROXY: proxy.href };
}

function agents(
  server: string,
  tls: TlsMaterial,
  proxy: http.ProxyEnv | undefined,
): { agent: http.Agent; watchAgent: http.Agent } {
  const routed = proxy ? { proxyEnv: proxy } : {};
  const pooled = {
    ...routed,
    keepAlive: true,
    maxSockets: MAX_SOCKETS,
    maxFreeSockets: MAX_SOCKETS,
    timeout: FREE_SOCKET_TIMEOUT_MS,
    scheduling: "lifo" as const,
  };
  if (server.startsWith("http:"))
    return { agent: new http.Agent(pooled), watchAgent: new http.Agent({ ...routed }) };
  return {
    agent: new https.Agent({ ...pooled, ...tls }),
    // Not keep-alive, but an agent still: it caches TLS sessions, so a re-established watch resumes cheaply.
    watchAgent: new https.Agent({ ...routed, ...tls }),
  };
}

function build(kc: KubeConfig): Transport {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const user = kc.getCurrentUser();
  const credentials: CredentialSource = credentialSource(user, cluster);
  return {
    server: cluster.server,
    ...agents(cluster.server, tlsMaterial(cluster, user), proxyEnv(cluster.server, cluster)),
    headers: impersonationHeaders(user),
    credential: () => credentials.get(),
    rejected: () => {
      credentials.rejected();
    },
  };
}

const transports = new WeakMap<KubeConfig, Transport>();

/** The KubeConfig's transport; a failure to build one (a missing file) is not cached, so it is retried. */
export function transportFor(kc: KubeConfig): Transport {
  let transport = transports.get(kc);
  if (!transport) {
    transport = build(kc);
    transports.set(kc, transport);
  }
  return transport;
}
