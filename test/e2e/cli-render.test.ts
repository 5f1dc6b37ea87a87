/**
 * `spe lint --render` and `spe render --template` render helm charts through the real helm
 * worker (helm template, no cluster): a value the descriptor maps that breaks the chart's
 * template is reported at the descriptor line that mapped it, with exit 1, before an install
 * could fail on it (issue 19, item 9). The fixture's chart has no values schema, so offline
 * lint alone finds nothing.
 */
import { execa } from "execa";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { testEnv } from "./support/env.js";

const repoRoot = resolve(import.meta.dirname, "../..");
const broken = "test/fixtures/descriptors/render-broken";

async function spe(
  ...args: string[]
): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const { exitCode, stdout, stderr } = await execa("npx", ["tsx", "src/cli/main.ts", ...args], {
    cwd: repoRoot,
    reject: false,
  });
  return { exitCode, stdout, stderr };
}

/** Line and column of the descriptor's `ports:` value, where the broken value is mapped. */
function portsMapping(): string {
  const lines = readFileSync(join(repoRoot, broken, "descriptor.yaml"), "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes('ports: "${api.spec.ports}"'));
  return `${line + 1}:${(lines[line]?.indexOf('"') ?? 0) + 1}`;
}

const FINDING =
  'error: unit gateway: helm template fails: gateway/templates/service.yaml:9:21 executing "gateway/templates/service.yaml" at <.Values.service.ports>: range can\'t iterate over 80,443 [chart-render]';

describe("rendering charts through the helm worker", () => {
  const worker = (): string => testEnv().binaries["spe-helm-worker"];

  it("offline lint finds nothing wrong with the descriptor", async () => {
    const lint = await spe("lint", broken);
    expect(lint).toMatchObject({ exitCode: 0, stdout: "" });
  }, 60_000);

  it("spe lint --render reports the value that breaks the template at its descriptor line, exit 1", async () => {
    const lint = await spe("lint", "--render", broken, "--helm-worker", worker());
    expect(lint.stdout.trim()).toBe(`${join(broken, "descriptor.yaml")}:${portsMapping()}: ${FINDING}`);
    expect(lint.stderr.trim()).toBe("1 finding(s), 1 error(s)");
    expect(lint.exitCode).toBe(1);
  }, 60_000);

  it("spe render --template fails the same way, and prints the objects of a chart that renders", async () => {
    const args = (dir: string) => [
      "render",
      "--template",
      "--descriptor",
      join(dir, "descriptor.yaml"),
      "--api",
      join(dir, "examples", "api.yaml"),
      "--config",
      join(dir, "examples", "config.yaml"),
      "--helm-worker",
      worker(),
    ];
    const failed = await spe(...args(broken));
    expect(failed.stderr.trim()).toBe(`${join(broken, "descriptor.yaml")}:${portsMapping()}: ${FINDING}`);
    expect(failed.exitCode).toBe(1);
    const rendered = await spe(...args("providers/demo"));
    expect(rendered.exitCode).toBe(0);
    expect(rendered.stdout).toMatch(/^objects:\n {2}service:\n(.|\n)*kind: Deployment/m);
  }, 60_000);

  it("a worker that cannot run is a usage error, exit 2", async () => {
    const lint = await spe("lint", "--render", broken, "--helm-worker", "/nonexistent/spe-helm-worker");
    expect(lint.stderr).toContain("helm worker /nonexistent/spe-helm-worker cannot be run (ENOENT)");
    expect(lint.exitCode).toBe(2);
  }, 60_000);
});
