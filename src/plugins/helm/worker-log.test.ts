import { describe, expect, it } from "vitest";
import { parseWorkerLog } from "./worker-log.js";

describe("parseWorkerLog", () => {
  it("turns a slog JSON line into level, message and fields", () => {
    const line =
      '{"time":"2026-12-07T16:00:00Z","level":"WARN","msg":"retrying discovery","cluster":"https://10.0.0.1","attempt":2,"group":{"kind":"x"}}';
    expect(parseWorkerLog(line)).toEqual({
      level: "warn",
      msg: "retrying discovery",
      fields: { cluster: "https://10.0.0.1", attempt: 2, group: { kind: "x" } },
    });
  });

  it("maps slog's levels, offsets included", () => {
    const level = (l: string) => parseWorkerLog(JSON.stringify({ level: l, msg: "m" })).level;
    expect([level("DEBUG-4"), level("INFO"), level("WARN"), level("ERROR+2")]).toEqual([
      "debug",
      "info",
      "warn",
      "error",
    ]);
  });

  it("keeps a line that is not slog's whole, as a warning", () => {
    expect(parseWorkerLog("panic: runtime error: index out of range")).toEqual({
      level: "warn",
      msg: "panic: runtime error: index out of range",
      fields: {},
    });
    expect(parseWorkerLog('["not", "a record"]').msg).toBe('["not", "a record"]');
  });
});
