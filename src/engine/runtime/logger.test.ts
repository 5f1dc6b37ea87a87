import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, requestLogger } from "./logger.js";

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
});
