import { describe, expect, it } from "vitest";
import { runConfig } from "./run-config.js";

const pod = { KUBERNETES_SERVICE_HOST: "10.0.0.1", POD_NAMESPACE: "openmcp-system" };
const where = { env: pod, packagedProviders: "/app/providers" };
const operatorFlags = { environment: "prod", verbosity: "DEBUG", providerName: "demo" };

describe("openMCP mode", () => {
  it("is on with --provider-name and --environment, as openmcp-operator starts providers", () => {
    const config = runConfig(
      { ...operatorFlags, metricsBindAddress: ":8080", metricsSecure: "false", leaderElect: "true" },
      where,
    );
    expect(config.openmcp).toEqual({
      providerName: "demo",
      environment: "prod",
      namespace: "openmcp-system",
      accessTimeoutMs: 1_800_000,
    });
    // The descriptors packaged with spe, the pod's namespace for the Lease, /metrics where asked.
    expect(config).toMatchObject({
      descriptors: ["/app/providers"],
      leaderNamespace: "openmcp-system",
      leaderElect: true,
      logLevel: "debug",
      metricsAddr: { host: "0.0.0.0", port: 8080 },
    });
  });

  it("is off without an environment, and keeps serving what it is given", () => {
    const config = runConfig({ providerName: "demo", descriptors: ["providers"] }, where);
    expect(config.openmcp).toBeUndefined();
    expect(config.descriptors).toEqual(["providers"]);
  });

  it("takes mounted descriptors over the packaged ones", () => {
    expect(runConfig({ ...operatorFlags, descriptors: ["/mnt/descriptors"] }, where).descriptors).toEqual([
      "/mnt/descriptors",
    ]);
  });

  it("refuses what cannot work: no pod namespace, an onboarding kubeconfig, secure metrics without a certificate, a bad timeout", () => {
    expect(() => runConfig(operatorFlags, { env: { KUBERNETES_SERVICE_HOST: "10.0.0.1" } })).toThrow(
      /needs the pod's namespace: set POD_NAMESPACE/,
    );
    expect(() => runConfig({ ...operatorFlags, onboardingKubeconfig: "/k" }, where)).toThrow(
      /comes from an AccessRequest/,
    );
    expect(() => runConfig({ ...operatorFlags, metricsSecure: "true" }, where)).toThrow(
      "--metrics-secure: pass --metrics-cert-dir",
    );
    expect(() => runConfig({ ...operatorFlags, accessTimeout: "soon" }, where)).toThrow(
      "--access-timeout soon: expected a duration",
    );
  });
});
