import { afterEach, describe, expect, it } from "vitest";
import { startOpsServer, type OpsServer } from "./http.js";
import { createMetrics } from "./metrics.js";

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string, method = "GET"): Promise<{ status: number; body: string; type: string }> {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`, { method });
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") ?? "" };
}

describe("startOpsServer", () => {
  it("serves the registry on /metrics", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.driftDetected("crossplane");
    server = await startOpsServer({ port: 0, host: "127.0.0.1", registry: metrics.registry });
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.type).toContain("text/plain");
    expect(res.body).toContain('spe_drift_detected_total{provider="crossplane"} 1');
  });

  it("answers /readyz 200 when every check passes and 503 naming the failing ones", async () => {
    let synced = false;
    server = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      registry: createMetrics({ processMetrics: false }).registry,
      readyChecks: [
        { name: "informers-synced", check: () => synced },
        { name: "leader-election", check: () => Promise.resolve(true) },
        {
          name: "descriptors",
          check: () => {
            throw new Error("boom");
          },
        },
      ],
    });
    let res = await get("/readyz");
    expect(res.status).toBe(503);
    expect(res.body).toContain("[-]informers-synced failed");
    expect(res.body).toContain("[+]leader-election ok");
    expect(res.body).toContain("check failed: informers-synced, descriptors");

    synced = true;
    res = await get("/readyz?verbose");
    expect(res.status).toBe(503);
    expect(res.body).toContain("check failed: descriptors");
  });

  it("answers /healthz 200 with no checks, and rejects unknown paths and methods", async () => {
    server = await startOpsServer({
      port: 0,
      host: "127.0.0.1",
      registry: createMetrics({ processMetrics: false }).registry,
      readyChecks: [{ name: "never", check: () => false }],
    });
    expect(await get("/healthz")).toMatchObject({ status: 200, body: "ok\n" });
    expect((await get("/nope")).status).toBe(404);
    expect((await get("/metrics", "POST")).status).toBe(405);
  });
});
