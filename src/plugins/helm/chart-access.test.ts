import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../descriptor/plan.js";
import type { PlatformRef } from "../types.js";
import { chartAccess } from "./chart-access.js";
import { isHelmError } from "./errors.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const PASSWORD = "pa55-word!";

function platform(objects: KubeObject[]): (ref: PlatformRef) => Promise<KubeObject | undefined> {
  return (ref) =>
    Promise.resolve(
      objects.find(
        (o) => o.kind === ref.kind && o.metadata.namespace === ref.namespace && o.metadata.name === ref.name,
      ),
    );
}

function secret(name: string, data: Record<string, string>, type = "Opaque"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type,
    metadata: { name, namespace: "spe-system" },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

const dockerConfig = secret(
  "pull",
  {
    ".dockerconfigjson": JSON.stringify({
      auths: {
        "https://other.example": { username: "x", password: "y" },
        "registry.example:5000": { auth: b64(`robot:${PASSWORD}`) },
      },
    }),
  },
  "kubernetes.io/dockerconfigjson",
);
const basicAuth = secret("basic", { username: "reader", password: PASSWORD }, "kubernetes.io/basic-auth");
const caConfigMap: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "ca", namespace: "spe-system" },
  data: { "ca.crt": "-----BEGIN CERTIFICATE-----\n…" },
};
const caSecret = secret("ca", { "tls.ca": "-----BEGIN CERTIFICATE-----\nsecret…" });
const read = platform([dockerConfig, basicAuth, caConfigMap, caSecret]);
const secretRef = (name: string) => ({ namespace: "spe-system", name });

async function failure(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isHelmError(err)) throw new Error(`expected a HelmError, got ${String(err)}`);
  return { reason: err.reason, message: err.message };
}

describe("chart credentials and CA bundles from the platform", () => {
  it("takes the entry for the chart's registry from a dockerconfigjson Secret", async () => {
    const oci = { oci: "oci://registry.example:5000/charts/x", secretRef: secretRef("pull") };
    expect(await chartAccess(oci, read)).toEqual({ auth: { username: "robot", password: PASSWORD } });
  });

  it("takes username and password of a basic-auth Secret, for a repository too", async () => {
    const repo = { repo: "https://charts.example/stable", name: "x", secretRef: secretRef("basic") };
    expect(await chartAccess(repo, read)).toEqual({ auth: { username: "reader", password: PASSWORD } });
  });

  it("reads a CA bundle from a ConfigMap key or a Secret key", async () => {
    const ca = { kind: "ConfigMap" as const, namespace: "spe-system", name: "ca", key: "ca.crt" };
    expect(await chartAccess({ oci: "oci://r/x", caBundleRef: ca }, read)).toEqual({
      caBundle: "-----BEGIN CERTIFICATE-----\n…",
    });
    const fromSecret = { ...ca, kind: "Secret" as const, key: "tls.ca" };
    expect((await chartAccess({ oci: "oci://r/x", caBundleRef: fromSecret }, read)).caBundle).toContain(
      "secret…",
    );
  });

  it("needs nothing without references, or without a platform to read", async () => {
    expect(await chartAccess({ oci: "oci://r/x" }, read)).toEqual({});
    expect(await chartAccess({ oci: "oci://r/x", secretRef: secretRef("pull") }, undefined)).toEqual({});
  });

  it("names what is missing as ChartAuthFailed or ChartTLSFailed, never a secret value", async () => {
    const cases = [
      [
        { oci: "oci://registry.example:5000/x", secretRef: secretRef("gone") },
        "ChartAuthFailed",
        "not found",
      ],
      [
        { oci: "oci://elsewhere.example/x", secretRef: secretRef("pull") },
        "ChartAuthFailed",
        "no credentials for elsewhere.example",
      ],
      [
        { oci: "oci://r/x", secretRef: secretRef("ca") },
        "ChartAuthFailed",
        "neither a .dockerconfigjson key nor username",
      ],
      [
        {
          oci: "oci://r/x",
          caBundleRef: { kind: "ConfigMap" as const, namespace: "spe-system", name: "ca", key: "tls.crt" },
        },
        "ChartTLSFailed",
        'has no key "tls.crt"',
      ],
      [
        {
          oci: "oci://r/x",
          caBundleRef: { kind: "ConfigMap" as const, namespace: "spe-system", name: "nope", key: "ca.crt" },
        },
        "ChartTLSFailed",
        "CA bundle ConfigMap spe-system/nope not found",
      ],
    ] as const;
    for (const [chart, reason, words] of cases) {
      const { reason: got, message } = await failure(chartAccess(chart, read));
      expect(got).toBe(reason);
      expect(message).toContain(words);
      expect(message).not.toContain(PASSWORD);
    }
  });
});
