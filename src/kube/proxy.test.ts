import { describe, expect, it } from "vitest";
import { proxyFor, proxyProblem } from "./proxy.js";

const PROXY = "http://proxy.corp:3128";

describe("proxyFor (Go's ProxyFromEnvironment rules, so spe and the helm worker agree)", () => {
  it("uses a cluster's proxy-url for every server, loopback included", () => {
    expect(proxyFor("https://127.0.0.1:6443", PROXY, {})?.href).toBe("http://proxy.corp:3128/");
    expect(proxyFor("https://api.corp", "proxy.corp:3128", { NO_PROXY: "*" })?.href).toBe(
      "http://proxy.corp:3128/",
    );
  });

  it("takes HTTPS_PROXY for https servers and HTTP_PROXY for http servers, upper case first", () => {
    const env = { HTTPS_PROXY: PROXY, https_proxy: "http://other:1", http_proxy: "http://plain:8080" };
    expect(proxyFor("https://api.corp", undefined, env)?.host).toBe("proxy.corp:3128");
    expect(proxyFor("http://api.corp", undefined, env)?.host).toBe("plain:8080");
    expect(proxyFor("http://api.corp", undefined, { ...env, REQUEST_METHOD: "GET" })).toBeUndefined();
    expect(proxyFor("https://api.corp", undefined, {})).toBeUndefined();
  });

  it.each(["https://localhost:6443", "https://127.0.0.1:6443", "https://127.4.5.6", "https://[::1]:6443"])(
    "never proxies the loopback server %s from the environment",
    (server) => {
      expect(proxyFor(server, undefined, { HTTPS_PROXY: PROXY })).toBeUndefined();
    },
  );

  it.each([
    ["*", "https://api.corp", true],
    ["corp", "https://api.corp", true],
    ["api.corp", "https://api.corp", true],
    ["api.corp", "https://xapi.corp", false],
    [".corp", "https://api.corp", true],
    [".api.corp", "https://api.corp", false],
    ["*.corp", "https://a.b.corp", true],
    ["api.corp:6443", "https://api.corp:6443", true],
    ["api.corp:6443", "https://api.corp", false],
    ["10.0.0.0/8", "https://10.1.2.3:6443", true],
    ["10.0.0.0/8", "https://11.1.2.3", false],
    ["10.1.2.3", "https://10.1.2.3", true],
    ["10.1.2.3:443", "https://10.1.2.3", true],
    ["fd00::/8", "https://[fd00::1]:6443", true],
    ["[fd00::1]:6443", "https://[fd00::1]:6443", true],
    [" other , API.CORP ", "https://api.corp", true],
    ["", "https://api.corp", false],
  ])("NO_PROXY=%s for %s: bypassed %s", (noProxy, server, bypassed) => {
    const proxy = proxyFor(server, undefined, { HTTPS_PROXY: PROXY, no_proxy: noProxy });
    expect(proxy === undefined).toBe(bypassed);
  });

  it("refuses a proxy spe's client cannot speak to, never quoting the URL", () => {
    expect(() => proxyFor("https://api.corp", undefined, { HTTPS_PROXY: "socks5://u:pw@s:1080" })).toThrow(
      "HTTPS_PROXY must be an http:// or https:// proxy; spe's client cannot use a socks5 proxy",
    );
    expect(() =>
      proxyFor("https://api.corp", undefined, { HTTPS_PROXY: "socks5://u:pw@s:1080" }),
    ).not.toThrow(/pw/);
    expect(proxyProblem("https://proxy:443")).toBeUndefined();
  });
});
