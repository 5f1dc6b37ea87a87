import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { runCrds } from "./crds.js";
import type { CliIO } from "./io.js";
import { runLint } from "./lint.js";
import { runRender } from "./render.js";

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    out: (t: string) => {
      io.stdout += t;
    },
    err: (t: string) => {
      io.stderr += t;
    },
  };
  return io;
}

const demo = "providers/demo/descriptor.yaml";
const badDescriptor = `apiVersion: spe.dev/v1alpha1
kind: ProviderDescriptor
metadata: { name: bad }
spec:
  api:
    group: nodots
    kind: Bad
    versions: [{ name: v1alpha1, schema: { type: object, description: d } }]
  config:
    schema: { type: object, description: d }
  deploy:
    - name: a
      manifests: []
`;

describe("spe lint", () => {
  it("exits 0 on clean providers", async () => {
    const io = capture();
    expect(await runLint(["providers"], { format: "text" }, io)).toBe(0);
    expect(io.stdout).toBe("");
  });

  it("prints file:line:col: severity: message [rule] and exits 1 on findings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-cli-"));
    writeFileSync(join(dir, "d.yaml"), badDescriptor);
    const io = capture();
    expect(await runLint([dir], { format: "text" }, io)).toBe(1);
    expect(io.stdout.trim()).toBe(
      `${join(dir, "d.yaml")}:6:12: error: "nodots" is not a DNS subdomain with at least one dot [invalid-group]`,
    );
    const json = capture();
    expect(await runLint([dir], { format: "json" }, json)).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ code: "invalid-group", line: 6, col: 12, severity: "error" }),
    ]);
  });

  it("exits 2 on I/O errors", async () => {
    expect(await runLint(["/nonexistent"], { format: "text" }, capture())).toBe(2);
  });
});

describe("spe render", () => {
  it("prints the plan and status as YAML", async () => {
    const io = capture();
    const code = await runRender(
      {
        descriptor: demo,
        api: "providers/demo/examples/api.yaml",
        config: "providers/demo/examples/config.yaml",
      },
      io,
    );
    expect(io.stderr).toBe("");
    expect(code).toBe(0);
    const out = parse(io.stdout) as { units: { name: string }[]; status: Record<string, unknown> };
    expect(out.units.map((u) => u.name)).toEqual(["service", "welcome"]);
    expect(out.status).toEqual({ version: "1.0", chartVersion: "1.0.0" });
  });

  it("exits 1 with the reason when the input is invalid", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-cli-"));
    writeFileSync(
      join(dir, "api.yaml"),
      "apiVersion: demo.services.spe.dev/v1alpha1\nkind: DemoService\nmetadata: { name: a, namespace: b }\nspec: { version: '9' }\n",
    );
    const io = capture();
    expect(
      await runRender(
        { descriptor: demo, api: join(dir, "api.yaml"), config: "providers/demo/examples/config.yaml" },
        io,
      ),
    ).toBe(1);
    expect(io.stderr).toContain("render failed (invalid-input)");
    expect(io.stderr).toContain("version 9 is not offered");
  });

  it("renders an object given without a namespace as kubectl would create it: in default", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spe-cli-"));
    const object = (namespace: string) =>
      `apiVersion: metrics.services.open-control-plane.io/v1alpha1\nkind: MetricsOperator\nmetadata: { name: test-mcp${namespace} }\nspec: { version: v0.9.0 }\n`;
    writeFileSync(join(dir, "bare.yaml"), object(""));
    writeFileSync(join(dir, "default.yaml"), object(", namespace: default"));
    const render = async (api: string) => {
      const io = capture();
      const options = { descriptor: "providers/metrics-operator/descriptor.yaml", api: join(dir, api) };
      const code = await runRender(
        { ...options, config: "providers/metrics-operator/examples/config.yaml" },
        io,
      );
      return { code, stderr: io.stderr, stdout: io.stdout };
    };
    const bare = await render("bare.yaml");
    expect(bare.stderr).toBe("");
    expect(bare.code).toBe(0);
    expect(bare.stdout).toBe((await render("default.yaml")).stdout);
  }, 30_000);

  it("exits 2 when a file is missing", async () => {
    expect(await runRender({ descriptor: demo, api: "/nonexistent.yaml", config: "x" }, capture())).toBe(2);
  });

  it("takes live values from the command line and a file; lists what waits for the others", async () => {
    const live = {
      descriptor: "test/fixtures/live/descriptor.yaml",
      api: "test/fixtures/live/api.yaml",
      config: "test/fixtures/live/config.yaml",
    };
    const waiting = capture();
    expect(await runRender({ ...live, live: ["server.tls=true"] }, waiting)).toBe(0);
    const before = parse(waiting.stdout) as { units: { name: string }[]; status: object; pending: object[] };
    expect(before.units.map((u) => u.name)).toEqual(["server"]);
    expect(before.status).toEqual({ tlsReady: true });
    expect(before.pending).toEqual([
      {
        unit: "settings",
        waitingFor:
          "spec.deploy[1].manifests[0].data.url: live.server.address is not available yet (waits for Service live-system/server status.loadBalancer.ingress[0].ip)",
      },
    ]);
    const dir = mkdtempSync(join(tmpdir(), "spe-cli-"));
    writeFileSync(join(dir, "live.yaml"), "server: { address: 203.0.113.7 }\n");
    const given = capture();
    expect(await runRender({ ...live, live: ["server.tls=true", join(dir, "live.yaml")] }, given)).toBe(0);
    const after = parse(given.stdout) as { units: { name: string }[]; status: object; pending?: object[] };
    expect(after.units.map((u) => u.name)).toEqual(["server", "settings"]);
    expect(after.status).toEqual({ endpoint: "https://203.0.113.7:8443", tlsReady: true });
    expect(after.pending).toBeUndefined();
  }, 30_000);
});

describe("spe crds", () => {
  it("prints both CRDs as a YAML stream", async () => {
    const io = capture();
    expect(await runCrds(demo, {}, io)).toBe(0);
    const docs = parseAllDocuments(io.stdout).map((d) => d.toJS() as { metadata: { name: string } });
    expect(docs.map((d) => d.metadata.name)).toEqual([
      "demoservices.demo.services.spe.dev",
      "providerconfigs.demo.services.spe.dev",
    ]);
  });
});

describe("bin/spe.js", () => {
  it("runs the CLI through the launcher", async () => {
    const result = await execa("npx", ["node", "bin/spe.js", "version"]);
    expect(result.stdout).toBe("0.1.0");
    const usage = await execa("npx", ["node", "bin/spe.js", "lint"], { reject: false });
    expect(usage.exitCode).toBe(2);
  }, 30_000);
});
