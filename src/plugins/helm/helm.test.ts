import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { chartDigest, valuesHash, workerChart } from "./chart.js";
import { HelmError, reasonOf, tail } from "./errors.js";
import { helmOwnership, parseManifest } from "./manifest.js";
import { decodeRelease, encodeRelease } from "./release.js";
import { RenderCache } from "./render-cache.js";
import type { KubeObject } from "../../descriptor/plan.js";

const fixtures = fileURLToPath(new URL("../../../test/fixtures/charts/", import.meta.url));

describe("release storage encoding", () => {
  it("decodes what helm stores: base64(gzip(json)) inside the Secret's base64", () => {
    const json = JSON.stringify({ name: "demo", version: 3, info: { status: "deployed" } });
    const helmValue = gzipSync(Buffer.from(json)).toString("base64");
    const secretData = Buffer.from(helmValue).toString("base64");
    expect(decodeRelease(secretData)).toEqual({ name: "demo", version: 3, info: { status: "deployed" } });
  });

  it("round-trips through encodeRelease", () => {
    const release = { name: "demo", info: { status: "failed" }, manifest: "---\nkind: ConfigMap" };
    expect(decodeRelease(encodeRelease(release))).toEqual(release);
  });
});

describe("chart digest and values hash", () => {
  it("changes when a file of a local chart changes (looked at again after a second), not otherwise", async () => {
    const dir = await mkdtemp(join(tmpdir(), "spe-chart-"));
    await cp(join(fixtures, "demo-service"), join(dir, "demo-service"), { recursive: true });
    const chart = { path: "demo-service" };
    const first = await chartDigest(chart, dir);
    expect(await chartDigest(chart, dir)).toBe(first);
    await writeFile(join(dir, "demo-service", "values.yaml"), "replicaCount: 2\n");
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1_500 });
    try {
      expect(await chartDigest(chart, dir)).not.toBe(first);
    } finally {
      vi.useRealTimers();
    }
    expect(first).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a missing local chart is ChartNotFound, before any helm process", async () => {
    await expect(chartDigest({ path: "nope" }, fixtures)).rejects.toMatchObject({ reason: "ChartNotFound" });
  });

  it("a repository chart is identified by repo, name and version", async () => {
    const a = await chartDigest({ repo: "https://charts.example", name: "x", version: "1.0.0" }, "/");
    const b = await chartDigest({ repo: "https://charts.example", name: "x", version: "1.0.1" }, "/");
    expect(a).not.toBe(b);
  });

  it("values hash ignores key order but not values", () => {
    expect(valuesHash({ a: 1, b: { c: [1, 2] } })).toBe(valuesHash({ b: { c: [1, 2] }, a: 1 }));
    expect(valuesHash({ a: 1 })).not.toBe(valuesHash({ a: 2 }));
  });
});

describe("workerChart", () => {
  it("names local (absolute), repository and OCI charts for the helm worker", () => {
    expect(workerChart({ path: "charts/x", version: "1.0.0" }, "/base")).toEqual({
      path: "/base/charts/x",
      version: "1.0.0",
    });
    expect(workerChart({ repo: "https://r", name: "x" }, "/")).toEqual({ repo: "https://r", name: "x" });
    expect(workerChart({ oci: "oci://reg/x", version: "2" }, "/")).toEqual({
      oci: "oci://reg/x",
      version: "2",
    });
    expect(() => workerChart({}, "/")).toThrow(HelmError);
  });
});

describe("helm errors", () => {
  it("takes the reason from the worker's code, not from helm's words", () => {
    expect(reasonOf("chart-not-found", "InstallFailed")).toBe("ChartNotFound");
    expect(reasonOf("chart-version-not-found", "InstallFailed")).toBe("ChartVersionNotFound");
    expect(reasonOf("chart-auth-failed", "UpgradeFailed")).toBe("ChartAuthFailed");
    expect(reasonOf("chart-tls-failed", "RenderFailed")).toBe("ChartTLSFailed");
    expect(reasonOf("timeout", "InstallFailed")).toBe("Timeout");
    expect(reasonOf("rollback-failed", "RecoveryFailed")).toBe("RecoveryFailed");
    // A message that reads like a missing chart is still what the code says it is.
    expect(reasonOf("install-failed", "UpgradeFailed")).toBe("InstallFailed");
    // Codes that name no step of helm's, and none at all, keep the operation's reason.
    expect(reasonOf("bad-request", "RenderFailed")).toBe("RenderFailed");
    expect(reasonOf(undefined, "UninstallFailed")).toBe("UninstallFailed");
  });

  it("keeps only the tail of helm's error text", () => {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
    const t = tail(text);
    expect(t.split("\n")).toHaveLength(20);
    expect(t.endsWith("line 99")).toBe(true);
  });
});

describe("manifest", () => {
  it("parses helm's multi-document manifest and skips empty documents", () => {
    const manifest =
      "---\n# Source: x/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# empty\n";
    expect(parseManifest(manifest)).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
    ]);
  });

  it("reads scalars as helm applied them (Go's YAML 1.1 reader), not as YAML 1.2", () => {
    const manifest = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  name: p",
      "  annotations: { since: 2001-12-14, at: 1:20, version: '010' }",
      "spec:",
      "  automountServiceAccountToken: yes",
      "  enableServiceLinks: off",
      "  volumes:",
      "    - name: config",
      "      configMap: { name: c, defaultMode: 0644 }",
    ].join("\n");
    // What sigs.k8s.io/yaml makes of it: octal and yes/off as YAML 1.1 has them; a date and
    // a base-60 number stay the strings Go's reader leaves them.
    expect(parseManifest(manifest)).toEqual([
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", annotations: { since: "2001-12-14", at: "1:20", version: "010" } },
        spec: {
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          volumes: [{ name: "config", configMap: { name: "c", defaultMode: 420 } }],
        },
      },
    ]);
  });

  it("adds the metadata helm puts on every object it owns", () => {
    const obj = helmOwnership(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } },
      { name: "r", namespace: "n" },
    );
    expect(obj.metadata.labels).toEqual({ "app.kubernetes.io/managed-by": "Helm" });
    expect(obj.metadata.annotations).toEqual({
      "meta.helm.sh/release-name": "r",
      "meta.helm.sh/release-namespace": "n",
    });
  });
});

describe("RenderCache", () => {
  const key = (
    values: string,
  ): { chartDigest: string; valuesHash: string; release: string; namespace: string } => ({
    chartDigest: "c",
    valuesHash: values,
    release: "r",
    namespace: "n",
  });
  const objects = (name: string): KubeObject[] => [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name } },
  ];

  it("keeps one render per release, for the plan it was made from", () => {
    const cache = new RenderCache();
    cache.set("a", key("v1"), objects("a1"));
    expect(cache.get("a", key("v1"))).toEqual(objects("a1"));
    expect(cache.get("a", key("v2"))).toBeUndefined();
    cache.set("a", key("v2"), objects("a2"));
    expect(cache.get("a", key("v1"))).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it("drops the least recently used releases beyond its size", () => {
    const one = JSON.stringify(objects("a")[0]).length;
    const cache = new RenderCache(2 * one);
    cache.set("a", key("v"), objects("a"));
    cache.set("b", key("v"), objects("b"));
    expect(cache.get("a", key("v"))).toBeDefined();
    cache.set("c", key("v"), objects("c"));
    expect(cache.get("b", key("v"))).toBeUndefined();
    expect(cache.get("a", key("v"))).toBeDefined();
    expect(cache.size).toBe(2);
    cache.delete("a");
    expect(cache.size).toBe(1);
  });
});
