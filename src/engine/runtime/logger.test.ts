import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { componentLogger, createLogger, logEntry, requestLogger } from "./logger.js";
import { parseWorkerLog } from "../../plugins/helm/worker-log.js";
import { HelmError } from "../../plugins/helm/errors.js";
import { UnitError } from "../reconcile/deploy.js";

function sink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join("").split("\n").filter(Boolean) };
}

describe("createLogger", () => {
  it("writes JSON lines with a level label, a timestamp and the base fields", () => {
    const out = sink();
    const log = createLogger({ destination: out.stream });
    log.info({ units: 2 }, "plan rendered");
    const [line] = out.lines();
    expect(JSON.parse(line!)).toMatchObject({
      level: "info",
      component: "spe",
      units: 2,
      msg: "plan rendered",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
  });

  it("honours the level", () => {
    const out = sink();
    const log = createLogger({ destination: out.stream, level: "warn" });
    log.info("hidden");
    log.warn("shown");
    expect(out.lines().map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["shown"]);
  });

  it("never logs kubeconfigs, tokens, passwords or Helm values, at any usual depth", () => {
    const out = sink();
    const log = createLogger({ destination: out.stream });
    log.info(
      {
        kubeconfig: "apiVersion: v1 SECRET-1",
        token: "SECRET-2",
        target: { access: { token: "SECRET-3", password: "SECRET-4" } },
        release: { name: "crossplane", values: { db: { password: "SECRET-5" } } },
        user: { "client-key-data": "SECRET-6" },
        headers: { authorization: "Bearer SECRET-7" },
      },
      "resolved target",
    );
    const text = out.lines().join("\n");
    for (let i = 1; i <= 7; i++) expect(text).not.toContain(`SECRET-${i}`);
    expect(JSON.parse(out.lines()[0]!)).toMatchObject({
      release: { name: "crossplane", values: "[REDACTED]" },
    });
  });

  it("gives each request's lines the provider and key", () => {
    const out = sink();
    const log = requestLogger(createLogger({ destination: out.stream }), "crossplane", "team-a/mcp-1");
    log.warn("config missing");
    expect(JSON.parse(out.lines()[0]!)).toMatchObject({ provider: "crossplane", key: "team-a/mcp-1" });
  });

  it("pretty-prints in dev mode, still redacted", () => {
    const out = sink();
    const log = createLogger({ pretty: true, destination: out.stream });
    log.info({ token: "SECRET-8", provider: "crossplane" }, "hello dev");
    const text = out.lines().join("\n");
    expect(text).toContain("hello dev");
    expect(text).not.toContain("SECRET-8");
    expect(() => JSON.parse(out.lines()[0]!) as unknown).toThrow();
  });

  it("names the component once per line, a part's own name replacing the process's", () => {
    const out = sink();
    const root = createLogger({ destination: out.stream });
    root.info("process line");
    const worker = componentLogger(root, "helm-worker");
    worker.child({ provider: "demo" }).warn("part line");
    const [first, second] = out.lines();
    expect(first!.match(/"component"/g)).toHaveLength(1);
    expect(second!.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(first!)).toMatchObject({ component: "spe" });
    expect(JSON.parse(second!)).toMatchObject({ component: "helm-worker", provider: "demo" });
  });

  it("writes a helm worker's line with its attributes as fields, not as escaped JSON", () => {
    const out = sink();
    const worker = componentLogger(createLogger({ destination: out.stream, level: "debug" }), "helm-worker");
    logEntry(
      worker,
      parseWorkerLog(
        '{"time":"2026-12-07T16:00:00Z","level":"WARN","msg":"discovery failed","cluster":"https://10.0.0.1","attempt":2}',
      ),
    );
    const [line] = out.lines();
    expect(line).not.toContain('\\"');
    expect(JSON.parse(line!)).toEqual({
      level: "warn",
      time: expect.any(String) as unknown,
      component: "helm-worker",
      cluster: "https://10.0.0.1",
      attempt: 2,
      msg: "discovery failed",
    });
  });

  it("writes a wrapped error's message once and no stack for an expected failure", () => {
    const out = sink();
    const helm = new HelmError("UpgradeFailed", "helm upgrade --install shop failed", "Service is invalid");
    createLogger({ destination: out.stream }).warn(
      { err: new UnitError("shop", "update", helm) },
      "retrying",
    );
    const [line] = out.lines();
    expect(line!.split("Service is invalid")).toHaveLength(2);
    expect(JSON.parse(line!)).toMatchObject({
      err: {
        type: "UnitError",
        message: "unit shop: helm upgrade --install shop failed: Service is invalid",
        unit: "shop",
        cause: { type: "HelmError", reason: "UpgradeFailed" },
      },
    });
    expect(line).not.toContain('"stack"');
  });
});
