import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Issue } from "./issues.js";
import { liveValue, type LiveRead } from "./live.js";
import { lintDoc, set, unset } from "./test-helpers.js";

const FIXTURE = new URL("../../test/fixtures/live/descriptor.yaml", import.meta.url);

function fixture(): Record<string, unknown> {
  return parse(readFileSync(FIXTURE, "utf8")) as Record<string, unknown>;
}

function found(issues: Issue[], code: string): Issue {
  const hit = issues.find((i) => i.code === code);
  expect(hit, `${code} not in ${issues.map((i) => `${i.code}: ${i.message}`).join("; ")}`).toBeDefined();
  expect(hit?.file).toBe("mem/descriptor.yaml");
  expect(hit?.line).toBeGreaterThan(1);
  return hit as Issue;
}

const URL_FIELD = "spec.deploy.1.manifests.0.data.url";

describe("live values: lint", () => {
  it("finds nothing in the fixture", () => {
    expect(lintDoc(fixture())).toEqual([]);
  });

  it("live-ref: an unknown unit, with a suggestion", () => {
    const hit = found(lintDoc(set(fixture(), URL_FIELD, "${live.srever.address}")), "live-ref");
    expect(hit.message).toContain('unknown unit "srever"');
    expect(hit.message).toContain("server");
  });

  it("live-ref: a unit the reader does not depend on", () => {
    const hit = found(lintDoc(unset(fixture(), "spec.deploy.1.dependsOn")), "live-ref");
    expect(hit.message).toContain("reads live.server but does not depend on it (add dependsOn: [server])");
  });

  it("live-ref: a unit reading its own live values (a cycle)", () => {
    const d = set(fixture(), "spec.deploy.0.manifests.0.metadata.labels", { ip: "${live.server.address}" });
    expect(found(lintDoc(d), "live-ref").message).toContain("cannot read its own outputs");
  });

  it("live-ref: a key the unit does not declare", () => {
    const hit = found(lintDoc(set(fixture(), URL_FIELD, "${live.server.adress}")), "live-ref");
    expect(hit.message).toContain("declares no live value adress");
    expect(hit.message).toContain("declared: address, tls");
  });

  it("live-secret-data: a path into a Secret's data", () => {
    const d = set(fixture(), "spec.deploy.0.live.tls.path", "data.tls\\.key");
    const hit = found(lintDoc(d), "live-secret-data");
    expect(hit.message).toContain("never its data");
  });

  it("live-secret-data: kubectl's last-applied annotation of a Secret", () => {
    const d = set(
      fixture(),
      "spec.deploy.0.live.tls.path",
      "metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']",
    );
    found(lintDoc(d), "live-secret-data");
  });

  it("a Secret's type and labels may be read", () => {
    expect(lintDoc(set(fixture(), "spec.deploy.0.live.tls.path", "type"))).toEqual([]);
    expect(lintDoc(set(fixture(), "spec.deploy.0.live.tls.path", "metadata.labels.app"))).toEqual([]);
  });

  it("live-object: an object the unit does not deploy", () => {
    const hit = found(lintDoc(set(fixture(), "spec.deploy.0.live.address.name", "other")), "live-object");
    expect(hit.message).toContain("unit server deploys no v1 Service other");
  });

  it("live-path: a wildcard path", () => {
    const d = set(fixture(), "spec.deploy.0.live.address.path", "status.loadBalancer.ingress[*].ip");
    found(lintDoc(d), "live-path");
  });

  it("expression-root: live values cannot be written back (they come after every unit)", () => {
    const d = set(fixture(), "spec.writeBack", { labels: { ip: "${live.server.address}" } });
    found(lintDoc(d), "expression-root");
  });
});

const service: LiveRead = {
  unit: "server",
  key: "address",
  object: { apiVersion: "v1", kind: "Service", name: "server", namespace: "ns" },
  path: ["status", "loadBalancer", "ingress", "0", "ip"],
  pathText: "status.loadBalancer.ingress[0].ip",
};
const secret: LiveRead = {
  unit: "server",
  key: "tls",
  object: { apiVersion: "v1", kind: "Secret", name: "tls", namespace: "ns" },
};

describe("live values: reading an object", () => {
  it("a field, once it is there and not empty", () => {
    expect(liveValue(service, undefined)).toBeUndefined();
    expect(liveValue(service, { status: { loadBalancer: {} } })).toBeUndefined();
    expect(liveValue(service, { status: { loadBalancer: { ingress: [{ ip: "" }] } } })).toBeUndefined();
    expect(liveValue(service, { status: { loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } } })).toBe(
      "10.0.0.1",
    );
  });

  it("existence: true once the object is there", () => {
    expect(liveValue(secret, undefined)).toBeUndefined();
    expect(liveValue(secret, { metadata: { name: "tls" }, data: { "tls.key": "c2VjcmV0" } })).toBe(true);
  });

  it("never a Secret's data, even when a read asks for it", () => {
    const object = {
      type: "kubernetes.io/tls",
      metadata: { annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{}", a: "b" } },
      data: { "tls.key": "c2VjcmV0" },
    };
    expect(liveValue({ ...secret, path: ["data", "tls.key"] }, object)).toBeUndefined();
    expect(liveValue({ ...secret, path: ["metadata", "annotations"] }, object)).toEqual({ a: "b" });
    expect(liveValue({ ...secret, path: ["type"] }, object)).toBe("kubernetes.io/tls");
  });
});
