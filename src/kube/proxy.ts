/**
 * Which forward proxy a connection to an apiserver goes through, decided as client-go decides
 * it, so spe's own client and the helm worker (client-go) agree: a cluster's `proxy-url` is
 * used for every connection; without one, HTTPS_PROXY / HTTP_PROXY and NO_PROXY by the rules
 * of Go's http.ProxyFromEnvironment (golang.org/x/net/http/httpproxy), which never proxies
 * localhost or a loopback address. spe's client speaks to http(s) proxies only; a SOCKS proxy,
 * which client-go could use, is refused rather than bypassed.
 */
import { BlockList, isIP } from "node:net";

const SCHEMES = new Set(["http:", "https:"]);

/** Go's parseProxy: a proxy without a scheme is an http proxy. */
function parseProxy(text: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  try {
    return new URL(withScheme);
  } catch {
    return undefined;
  }
}

/** Why spe cannot use this proxy URL, or undefined when it can. */
export function proxyProblem(text: string): string | undefined {
  const url = parseProxy(text);
  if (!url?.hostname) return "must be a URL such as http://proxy.example:3128";
  if (!SCHEMES.has(url.protocol))
    return `must be an http:// or https:// proxy; spe's client cannot use a ${url.protocol.slice(0, -1)} proxy`;
  return undefined;
}

function envAny(env: NodeJS.ProcessEnv, name: string): string {
  return env[name.toUpperCase()] ?? env[name.toLowerCase()] ?? "";
}

function bare(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function loopback(host: string): boolean {
  if (host === "localhost") return true;
  const family = isIP(host);
  if (family === 4) return host.startsWith("127.");
  return family === 6 && (host === "::1" || /^::ffff:127\./i.test(host));
}

/** host[:port] of one NO_PROXY entry; a bracketed IPv6 address loses its brackets. */
function splitEntry(entry: string): { host: string; port: string } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1] ?? "", port: bracketed[2] ?? "" };
  const hostPort = /^([^:]*):(\d+)$/.exec(entry);
  if (hostPort) return { host: hostPort[1] ?? "", port: hostPort[2] ?? "" };
  return { host: entry, port: "" };
}

function ipFamily(ip: string): "ipv4" | "ipv6" {
  return isIP(ip) === 6 ? "ipv6" : "ipv4";
}

function cidrMatches(entry: string, ip: string): boolean {
  const [net = "", bits = ""] = entry.split("/");
  if (!isIP(net) || !/^\d+$/.test(bits) || !ip) return false;
  const list = new BlockList();
  list.addSubnet(net, Number(bits), ipFamily(net));
  return list.check(ip, ipFamily(ip));
}

function ipMatches(pattern: string, ip: string): boolean {
  if (!ip) return false;
  const list = new BlockList();
  list.addAddress(pattern, ipFamily(pattern));
  return list.check(ip, ipFamily(ip));
}

function domainMatches(pattern: string, host: string): boolean {
  const suffix = pattern.startsWith("*.") ? pattern.slice(1) : pattern;
  if (suffix.startsWith(".")) return host.endsWith(suffix);
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** One NO_PROXY entry against the server's host (IP or name) and port. */
function excludedBy(raw: string, host: string, port: string): boolean {
  const entry = raw.trim().toLowerCase();
  if (!entry) return false;
  if (entry === "*") return true;
  const ip = isIP(host) ? host : "";
  if (entry.includes("/")) return cidrMatches(entry, ip);
  const { host: pattern, port: wanted } = splitEntry(entry);
  if (!pattern || (wanted && wanted !== port)) return false;
  if (isIP(pattern)) return ipMatches(pattern, ip);
  return domainMatches(pattern, host);
}

/** The proxy for connections to `server`, or undefined for a direct connection. */
export function proxyFor(
  server: string,
  proxyUrl: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): URL | undefined {
  if (proxyUrl !== undefined) return parseProxy(proxyUrl);
  const url = new URL(server);
  const https = url.protocol === "https:";
  // Go ignores HTTP_PROXY in a CGI process (REQUEST_METHOD set): it may come from a request header.
  const text = https ? envAny(env, "https_proxy") : env.REQUEST_METHOD ? "" : envAny(env, "http_proxy");
  if (!text) return undefined;
  const host = bare(url.hostname).toLowerCase();
  if (loopback(host)) return undefined;
  const port = url.port || (https ? "443" : "80");
  if (
    envAny(env, "no_proxy")
      .split(",")
      .some((entry) => excludedBy(entry, host, port))
  )
    return undefined;
  const proxy = parseProxy(text);
  const problem = proxyProblem(text);
  if (problem) throw new Error(`${https ? "HTTPS_PROXY" : "HTTP_PROXY"} ${problem}`);
  return proxy;
}
