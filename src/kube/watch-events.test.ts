import { describe, expect, it } from "vitest";
import { WatchEventParser, errorEventOf, parseWatchEvent } from "./watch-events.js";

const added = { type: "ADDED", object: { kind: "ConfigMap", metadata: { name: "a", resourceVersion: "5" } } };
const bookmark = { type: "BOOKMARK", object: { kind: "ConfigMap", metadata: { resourceVersion: "9" } } };

function lines(...events: unknown[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join("");
}

describe("WatchEventParser", () => {
  it("gives events only once their line is complete, whatever the chunk boundaries", () => {
    const text = lines(added, bookmark, added);
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new WatchEventParser();
      const events = [
        ...parser.push(Buffer.from(text.slice(0, cut))),
        ...parser.push(Buffer.from(text.slice(cut))),
        ...parser.end(),
      ];
      expect(events.map((e) => e.type)).toEqual(["ADDED", "BOOKMARK", "ADDED"]);
    }
  });

  it("holds back a line until its newline, then gives it", () => {
    const parser = new WatchEventParser();
    const text = lines(added);
    expect(parser.push(text.slice(0, -1))).toEqual([]);
    expect(parser.push("\n")).toEqual([added]);
  });

  it("keeps a UTF-8 character that a chunk boundary splits", () => {
    const object = { kind: "ConfigMap", metadata: { name: "x" }, data: { greeting: "grüße 🌍" } };
    const bytes = Buffer.from(lines({ type: "MODIFIED", object }));
    const emoji = bytes.indexOf(Buffer.from("🌍"));
    const parser = new WatchEventParser();
    const events = [...parser.push(bytes.subarray(0, emoji + 2)), ...parser.push(bytes.subarray(emoji + 2))];
    expect(events).toEqual([{ type: "MODIFIED", object }]);
  });

  it("gives a bookmark's resourceVersion", () => {
    const [event] = new WatchEventParser().push(lines(bookmark));
    expect(event?.type).toBe("BOOKMARK");
    expect(event?.object.metadata?.resourceVersion).toBe("9");
  });

  it("counts a last line without a newline, and skips blank lines", () => {
    const parser = new WatchEventParser();
    expect(parser.push(`\n\n${JSON.stringify(added)}`)).toEqual([]);
    expect(parser.end()).toEqual([added]);
    expect(parser.end()).toEqual([]);
  });

  it("rejects a malformed line without quoting it", () => {
    expect(() => new WatchEventParser().push('{"type":"ADDED","object":{"data":"s3cret"\n')).toThrow(
      "malformed watch event: not JSON",
    );
    expect(() => parseWatchEvent('{"type":"RENAMED","object":{}}')).toThrow("unknown type");
    expect(() => parseWatchEvent('{"type":"ADDED"}')).toThrow("no object");
  });
});

describe("errorEventOf", () => {
  it("turns an ERROR event's Status into a KubeApiError; 410 says the resourceVersion is too old", () => {
    const gone = parseWatchEvent(
      JSON.stringify({
        type: "ERROR",
        object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version: 5 (9)" },
      }),
    );
    expect(errorEventOf(gone)).toMatchObject({
      status: 410,
      reason: "Expired",
      message: "too old resource version: 5 (9)",
    });
    expect(errorEventOf(parseWatchEvent('{"type":"ERROR","object":{}}'))).toMatchObject({
      status: 500,
      reason: "HTTP500",
    });
  });
});
