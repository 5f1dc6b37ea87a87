import { describe, expect, it } from "vitest";
import { levelFromVerbosity, parseAddress, runConfig } from "./run-config.js";

const base = { env: { SPE_PLATFORM_KUBECONFIG: "/k/platform" } };

describe("runConfig", () => {
  it("applies the defaults: onboarding = platform, 16 workers, one ops port 8080, no leader election", () => {
    const config = runConfig({ descriptors: ["providers"] }, base);
    expect(config).toEqual({
      platformKubeconfig: "/k/platform",
      descriptors: ["providers"],
      workers: 16,
      syncPeriodMs: 600_000,
      drainDeadlineMs: 30_000,
      helmConcurrency: 4,
      metricsAddr: { host: "0.0.0.0", port: 8080 },
      healthAddr: { host: "0.0.0.0", port: 8080 },
      leaderElect: false,
      leaderNamespace: "default",
      logLevel: "info",
      logFormat: "json",
    });
  });

  it("prefers flags over environment variables and reads repeatable flags from comma lists", () => {
    const env = {
      SPE_PLATFORM_KUBECONFIG: "/env",
      SPE_DESCRIPTORS: "a, b",
      SPE_WORKERS: "2",
      SPE_SYNC_PERIOD: "1h30m",
      SPE_LEADER_ELECT: "true",
      SPE_HELM_WORKER: "/bin/spe-helm-worker",
      SPE_LOG_FORMAT: "pretty",
    };
    const fromEnv = runConfig({}, { env, podNamespace: "spe-system" });
    expect(fromEnv).toMatchObject({
      descriptors: ["a", "b"],
      workers: 2,
      syncPeriodMs: 5_400_000,
      leaderElect: true,
      leaderNamespace: "spe-system",
      helmWorker: "/bin/spe-helm-worker",
      logFormat: "pretty",
    });
    const fromFlags = runConfig({ platformKubeconfig: "/flag", workers: "8", leaderElect: "false" }, { env });
    expect(fromFlags).toMatchObject({ platformKubeconfig: "/flag", workers: 8, leaderElect: false });
  });

  it("uses in-cluster access when running in a pod and no kubeconfig is named", () => {
    const config = runConfig(
      { descriptorNamespace: "spe" },
      { env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } },
    );
    expect(config.platformKubeconfig).toBeUndefined();
    expect(config.descriptorNamespace).toBe("spe");
  });

  it("splits metrics and health addresses when asked", () => {
    const config = runConfig({ descriptors: ["d"], opsPort: "9000", metricsAddr: "127.0.0.1:9090" }, base);
    expect(config.healthAddr).toEqual({ host: "0.0.0.0", port: 9000 });
    expect(config.metricsAddr).toEqual({ host: "127.0.0.1", port: 9090 });
  });

  it("maps openMCP's --verbosity to the log level; --log-level wins", () => {
    expect(runConfig({ descriptors: ["d"], verbosity: "DEBUG" }, base).logLevel).toBe("debug");
    expect(runConfig({ descriptors: ["d"], verbosity: "debug", logLevel: "warn" }, base).logLevel).toBe(
      "warn",
    );
    expect(levelFromVerbosity("0")).toBe("info");
    expect(levelFromVerbosity("2")).toBe("trace");
    expect(levelFromVerbosity("WARNING")).toBe("warn");
  });

  it("keeps --provider-name and --environment (together: openMCP mode, see openmcp-config.test.ts)", () => {
    const config = runConfig(
      { descriptors: ["d"], providerName: "flux", environment: "prod" },
      { ...base, podNamespace: "openmcp-system" },
    );
    expect(config).toMatchObject({ providerName: "flux", environment: "prod" });
    expect(config.openmcp?.providerName).toBe("flux");
  });

  it.each([
    [{ descriptors: ["d"], workers: "0" }, "--workers 0: expected a whole number ≥ 1"],
    [{ descriptors: ["d"], syncPeriod: "soon" }, "--sync-period soon: expected a duration such as 30s"],
    [{ descriptors: ["d"], syncPeriod: "0s" }, "--sync-period 0s: expected a duration such as 30s"],
    [{ descriptors: ["d"], logFormat: "xml" }, "--log-format xml: expected json or pretty"],
    [{ descriptors: ["d"], logLevel: "loud" }, "--log-level loud: expected one of"],
    [{ descriptors: ["d"], verbosity: "chatty" }, "--verbosity chatty: expected one of"],
    [{ descriptors: ["d"], leaderElect: "maybe" }, "--leader-elect maybe: expected true or false"],
    [{ descriptors: ["d"], metricsAddr: "host:port" }, "--metrics-addr host:port: expected [host]:port"],
    [{}, "nothing to serve: pass --descriptors"],
  ])("rejects %o with a precise message", (raw, message) => {
    expect(() => runConfig(raw, base)).toThrow(message);
  });

  it("asks for a platform cluster outside a pod", () => {
    expect(() => runConfig({ descriptors: ["d"] }, { env: {} })).toThrow(
      /no platform cluster: pass --platform-kubeconfig/,
    );
  });
});

describe("parseAddress", () => {
  it.each([
    [":8080", { host: "0.0.0.0", port: 8080 }],
    ["8081", { host: "0.0.0.0", port: 8081 }],
    ["127.0.0.1:0", { host: "127.0.0.1", port: 0 }],
    ["[::1]:9090", { host: "::1", port: 9090 }],
  ])("%s", (value, address) => {
    expect(parseAddress("--x", value)).toEqual(address);
  });

  it("serves /metrics securely only with a certificate and an address apart from the probes'", () => {
    expect(() => runConfig({ descriptors: ["d"], metricsSecure: "true" }, base)).toThrow(
      "--metrics-secure: pass --metrics-cert-dir <dir> holding tls.crt and tls.key",
    );
    expect(() =>
      runConfig({ descriptors: ["d"], metricsSecure: true, metricsCertDir: "/certs" }, base),
    ).toThrow(/an address of its own \(--metrics-addr\), apart from --health-addr/);
    const config = runConfig(
      {
        descriptors: ["d"],
        metricsSecure: true,
        metricsCertDir: "/certs",
        metricsAddr: ":8443",
        healthAddr: ":8081",
      },
      base,
    );
    expect(config.metricsTls).toEqual({ certDir: "/certs" });
    expect(config.metricsAddr).toEqual({ host: "0.0.0.0", port: 8443 });
    expect(runConfig({ descriptors: ["d"] }, base).metricsTls).toBeUndefined();
  });

  it("bounds the drain on SIGTERM: 30 s by default, --drain-deadline or SPE_DRAIN_DEADLINE", () => {
    expect(runConfig({ descriptors: ["d"] }, base).drainDeadlineMs).toBe(30_000);
    expect(runConfig({ descriptors: ["d"], drainDeadline: "5s" }, base).drainDeadlineMs).toBe(5_000);
    expect(
      runConfig({ descriptors: ["d"] }, { env: { ...base.env, SPE_DRAIN_DEADLINE: "1m" } }).drainDeadlineMs,
    ).toBe(60_000);
    expect(() => runConfig({ descriptors: ["d"], drainDeadline: "soon" }, base)).toThrow(
      "--drain-deadline soon: expected a duration",
    );
  });
});
