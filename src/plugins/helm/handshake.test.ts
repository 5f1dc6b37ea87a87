import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isHelmError } from "./errors.js";
import { acceptWorker, WORKER_PROTOCOL } from "./handshake.js";
import { HelmWorker } from "./worker-client.js";

let dir = "";

/** A worker executable that answers `version` as a worker built from other sources would. */
async function workerAnswering(name: string, answer: Record<string, unknown>): Promise<string> {
  const path = join(dir, name);
  const script = [
    `#!${process.execPath}`,
    `const answer = ${JSON.stringify(answer)};`,
    `require("node:fs").writeFileSync(__filename + ".pid", String(process.pid));`,
    `require("node:readline").createInterface({ input: process.stdin }).on("line", (line) => {`,
    `  const req = JSON.parse(line);`,
    `  process.stdout.write(JSON.stringify({ id: req.id, ok: true, ...answer }) + "\\n");`,
    `});`,
  ].join("\n");
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "spe-handshake-"));
  // The script is CommonJS; the folder's package.json says so whatever the repository's says.
  await writeFile(join(dir, "package.json"), '{"type":"commonjs"}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the helm worker's start handshake", () => {
  it("speaks the protocol version the Go worker declares", async () => {
    const go = await readFile(new URL("./worker/protocol.go", import.meta.url), "utf8");
    expect(Number(/const protocolVersion = (\d+)/.exec(go)?.[1])).toBe(WORKER_PROTOCOL);
  });

  it("accepts a worker of this protocol running Helm v4", () => {
    expect(acceptWorker("w", { protocol: WORKER_PROTOCOL, version: "v4.3.1" })).toBe("v4.3.1");
    expect(() => acceptWorker("w", { protocol: WORKER_PROTOCOL, version: "v3.17.0" })).toThrow(/needs v4/);
  });

  it("refuses a worker answering another protocol version, naming both, and stops it", async () => {
    const path = await workerAnswering("stale", { version: "v4.3.1", protocol: WORKER_PROTOCOL + 6 });
    const worker = new HelmWorker({ path, home: join(dir, "home") });
    const err: unknown = await worker.start().catch((e: unknown) => e);
    expect(isHelmError(err, "VersionUnsupported")).toBe(true);
    expect(String(err)).toContain(`speaks protocol ${WORKER_PROTOCOL + 6}`);
    expect(String(err)).toContain(`spe needs protocol ${WORKER_PROTOCOL}`);
    expect(String(err)).toContain(path);
    expect(await worker.pid()).toBeUndefined();
    // The refused process is stopped, not left running beside spe.
    const pid = Number(await readFile(`${path}.pid`, "utf8"));
    await expect.poll(() => alive(pid), { timeout: 5_000, interval: 50 }).toBe(false);
  });

  it("refuses a worker from before protocol versions", async () => {
    const path = await workerAnswering("unversioned", { version: "v4.3.1" });
    const worker = new HelmWorker({ path, home: join(dir, "home") });
    const err: unknown = await worker.start().catch((e: unknown) => e);
    expect(isHelmError(err, "VersionUnsupported")).toBe(true);
    expect(String(err)).toMatch(/speaks no protocol version, spe needs protocol \d+/);
  });
});
