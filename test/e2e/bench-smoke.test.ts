/**
 * Keeps `npm run bench` working: the scale benchmark's own code path with N = 10 API objects
 * of the Helm-backed bench provider, a short steady window and a small drift sample, on a
 * private environment. Checks that all became Ready and the results have their shape; the
 * numbers themselves are for `npm run bench`, not for assertions here.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { benchConfig } from "../../bench/scale/config.js";
import { markdown } from "../../bench/scale/report.js";
import { runBench, type BenchResults } from "../../bench/scale/run.js";

let out: string | undefined;

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe("bench smoke (N = 10)", () => {
  it("brings 10 Helm-backed objects Ready, stays quiet, corrects drift, and writes results", async () => {
    out = await mkdtemp(join(tmpdir(), "spe-bench-smoke-"));
    const cfg = {
      ...benchConfig({}),
      sizes: [10],
      systems: ["spe-helm" as const],
      steadySeconds: 3,
      driftCount: 4,
      readyTimeoutSeconds: 90,
      outDir: out,
    };
    let written: BenchResults | undefined;
    const results = await runBench(
      cfg,
      () => undefined,
      (r) => {
        written = r;
        return Promise.resolve();
      },
    );
    expect(written).toBe(results);
    const [s] = results.scenarios;
    expect(s).toMatchObject({ system: "spe-helm", n: 10, ok: true });
    // The helm worker started with the provider, before the objects: ten installs, no new process.
    expect(s?.ready).toMatchObject({ reported: 10, available: 10, helmProcesses: 0 });
    expect(s?.ready?.helmOperations).toBeGreaterThanOrEqual(10);
    expect(s?.ready?.seconds).toBeGreaterThan(0);
    expect(s?.steady).toMatchObject({ helmProcesses: 0, helmOperations: 0 });
    expect(s?.steady?.apiRequestsPerSecond.mcp.total).toBeGreaterThanOrEqual(0);
    expect(s?.drift).toMatchObject({ changed: 4, corrected: 4 });
    expect(s?.peakRssMiB).toBeGreaterThan(0);
    expect(results.machine.atStart.nproc).toBeGreaterThan(0);
    const md = markdown(results, "x.json");
    expect(md).toContain("| 10 | spe-helm | ok |");
    expect(md).toContain("## Machine");
    expect(await readdir(out)).toEqual([]); // runBench leaves writing to its caller
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
    await expect(readFile(join(out, "latest.md"), "utf8")).rejects.toThrow();
  }, 180_000);
});
