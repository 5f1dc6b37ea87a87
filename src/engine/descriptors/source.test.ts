import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { smallDescriptor } from "../../../test/fixtures/small-descriptor.js";
import { DescriptorSource, type DescriptorSourceOptions } from "./source.js";
import { createLogger } from "../runtime/logger.js";
import type { Provider } from "./provider.js";

let dir: string;
let sources: DescriptorSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "spe-source-"));
});

afterEach(async () => {
  await Promise.all(sources.map((s) => s.stop()));
  sources = [];
  await rm(dir, { recursive: true, force: true });
});

interface Harness {
  source: DescriptorSource;
  /** Provider names of every set handed over, in order. */
  sets: string[][];
  logs: () => { level: string; msg: string }[];
}

function harness(options: Partial<DescriptorSourceOptions> = {}, failing = new Set<string>()): Harness {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const sets: string[][] = [];
  const source = new DescriptorSource({
    paths: [dir],
    logger: createLogger({ destination, level: "debug" }),
    pollIntervalMs: 25,
    debounceMs: 10,
    onChange: (providers: Provider[]) => {
      sets.push(providers.map((p) => p.compiled.name).sort());
      const failures = new Map<string, Error>();
      for (const p of providers) {
        if (failing.has(p.compiled.name)) failures.set(p.compiled.name, new Error("CRD rejected"));
      }
      return Promise.resolve(failures);
    },
    ...options,
  });
  sources.push(source);
  const logs = (): { level: string; msg: string }[] =>
    chunks
      .join("")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { level: string; msg: string });
  return { source, sets, logs };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

const last = (h: Harness): string[] | undefined => h.sets.at(-1);
const BROKEN =
  "apiVersion: spe.dev/v1alpha1\nkind: ProviderDescriptor\nmetadata:\n  name: broken\nspec:\n  api: [\n";

describe("DescriptorSource (files)", () => {
  it("serves the valid descriptors and reports a broken one with file:line:col", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    await writeFile(join(dir, "b.yaml"), smallDescriptor({ name: "beta" }));
    await writeFile(join(dir, "c.yaml"), BROKEN);
    await writeFile(join(dir, "notes.yaml"), "just: some yaml\n");
    const h = harness();
    await h.source.start();
    expect(h.source.loaded()).toBe(true);
    expect(h.sets).toEqual([["alpha", "beta"]]);
    const error = h.logs().find((l) => l.level === "error");
    expect(error?.msg).toContain(`${join(dir, "c.yaml")}:7:1: error:`);
    expect(h.logs().some((l) => l.msg.includes("notes.yaml"))).toBe(false);
  });

  it("reloads when a file is fixed, added or removed", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    await writeFile(join(dir, "b.yaml"), BROKEN);
    const h = harness();
    await h.source.start();
    expect(last(h)).toEqual(["alpha"]);
    await writeFile(join(dir, "b.yaml"), smallDescriptor({ name: "beta" }));
    await until("beta served", () => last(h)?.includes("beta") === true);
    await rm(join(dir, "a.yaml"));
    await until("alpha gone", () => last(h)?.join() === "beta");
  });

  it("keeps serving the last valid version of a descriptor that breaks, and says so", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    const h = harness();
    await h.source.start();
    await writeFile(
      join(dir, "a.yaml"),
      smallDescriptor({ name: "alpha" }).replace("type: object", "type: 7"),
    );
    await until("an error report", () => h.logs().some((l) => l.level === "error"));
    expect(last(h)).toEqual(["alpha"]);
    const error = h.logs().find((l) => l.level === "error");
    expect(error?.msg).toContain("still serving the last valid version of alpha");
    expect(error?.msg).toMatch(/a\.yaml:\d+:\d+: error:/);
  });

  it("rejects the later of two descriptors that claim the same provider name or API kind", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    await writeFile(join(dir, "b.yaml"), smallDescriptor({ name: "alpha", group: "other.tests.spe.dev" }));
    await writeFile(
      join(dir, "c.yaml"),
      smallDescriptor({ name: "gamma", group: "alpha.tests.spe.dev", kind: "Alpha" }),
    );
    const h = harness();
    await h.source.start();
    expect(h.sets).toEqual([["alpha"]]);
    const messages = h
      .logs()
      .filter((l) => l.level === "error")
      .map((l) => l.msg)
      .join("\n");
    expect(messages).toContain(
      `${join(dir, "b.yaml")}:4:9: error: provider name "alpha" is already claimed by`,
    );
    expect(messages).toContain("API kind Alpha.alpha.tests.spe.dev is already claimed by");
  });

  it("does not let a newcomer displace a provider that is already served", async () => {
    await writeFile(join(dir, "b.yaml"), smallDescriptor({ name: "alpha" }));
    const h = harness();
    await h.source.start();
    // a.yaml sorts first, but b.yaml's alpha is the incumbent.
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha", group: "x.tests.spe.dev" }));
    await until("the clash reported", () => h.logs().some((l) => l.msg.includes("a.yaml")));
    expect(h.logs().find((l) => l.level === "error")?.msg).toContain(
      `already claimed by ${join(dir, "b.yaml")}`,
    );
  });

  it("falls back to the last valid version when a changed one fails to start", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    const failing = new Set<string>();
    const h = harness({}, failing);
    await h.source.start();
    failing.add("alpha");
    await writeFile(
      join(dir, "a.yaml"),
      smallDescriptor({ name: "alpha" }).replace("A message.", "Changed."),
    );
    await until("a start failure reported", () => h.logs().some((l) => l.msg.includes("failed to start")));
    // The failed version was tried, then the previous one handed over again.
    expect(h.sets.length).toBeGreaterThanOrEqual(3);
    expect(h.logs().find((l) => l.level === "error")?.msg).toContain(
      'provider "alpha" failed to start: CRD rejected',
    );
  });

  it("serves only --provider-name and ignores the other descriptors", async () => {
    await writeFile(join(dir, "a.yaml"), smallDescriptor({ name: "alpha" }));
    await writeFile(join(dir, "b.yaml"), smallDescriptor({ name: "beta" }));
    await writeFile(join(dir, "c.yaml"), BROKEN);
    const h = harness({ providerName: "beta" });
    await h.source.start();
    expect(h.sets).toEqual([["beta"]]);
    expect(h.logs().filter((l) => l.level === "error")).toEqual([]);
  });

  it("reports a missing explicit path", async () => {
    const h = harness({ paths: [join(dir, "missing.yaml")] });
    await h.source.start();
    expect(h.sets).toEqual([[]]);
    expect(h.logs().find((l) => l.level === "error")?.msg).toContain("missing.yaml:1:1: error: ENOENT");
  });
});
