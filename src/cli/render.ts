/** `spe render --descriptor D --api OBJ --config CFG`: the deploy plan as YAML, offline. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import {
  describeIssues,
  RenderError,
  renderOffline,
  validateApiObject,
  validateConfig,
  type CompiledDescriptor,
  type UnitOutputs,
  type UnitPlan,
} from "../descriptor/index.js";
import { EXIT, processIO, toYaml, UsageError, type CliIO } from "./io.js";
import { compileOne, FindingsError, readYamlObject } from "./load-one.js";

export interface RenderOptions {
  descriptor: string;
  api: string;
  config: string;
  deploy?: string;
}

/** Version of a local chart from its Chart.yaml, so offline renders match what helm would report. */
export function localChartVersion(compiled: CompiledDescriptor): (plan: UnitPlan) => string | undefined {
  return (plan) => {
    const dir = compiled.descriptor.source.dir;
    if (plan.type !== "helm" || plan.helm.chart.path === undefined || dir === undefined) return undefined;
    try {
      const chart = parse(readFileSync(join(resolve(dir, plan.helm.chart.path), "Chart.yaml"), "utf8")) as {
        version?: unknown;
      };
      return typeof chart.version === "string" ? chart.version : undefined;
    } catch {
      return undefined;
    }
  };
}

function inputIssues(compiled: CompiledDescriptor, api: unknown, config: unknown): string[] {
  const out: string[] = [];
  const a = validateApiObject(compiled, api);
  const c = validateConfig(compiled, config);
  if (a.length > 0) out.push(`api object: ${describeIssues(a)}`);
  if (c.length > 0) out.push(`config: ${describeIssues(c)}`);
  return out;
}

/** Renders and prints; returns the exit code. */
export async function runRender(options: RenderOptions, io: CliIO = processIO): Promise<number> {
  try {
    const compiled = await compileOne(options.descriptor);
    const api = await readYamlObject(options.api);
    const config = await readYamlObject(options.config);
    const problems = inputIssues(compiled, api, config);
    if (problems.length > 0) throw new FindingsError(problems.join("\n"));
    const deploy =
      options.deploy === undefined
        ? undefined
        : ((await readYamlObject(options.deploy)) as Record<string, UnitOutputs>);
    const input = {
      api,
      config,
      chartVersion: localChartVersion(compiled),
      ...(deploy === undefined ? {} : { deploy }),
    };
    io.out(toYaml(renderOffline(compiled, input)));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof UsageError) io.err(`${err.message}\n`);
    else if (err instanceof FindingsError) io.err(`${err.message}\n`);
    else if (err instanceof RenderError) io.err(`render failed (${err.failure}): ${err.message}\n`);
    else throw err;
    return err instanceof UsageError ? EXIT.usage : EXIT.findings;
  }
}

export function registerRender(program: Command): void {
  program
    .command("render")
    .description(
      "print the deploy plan (helm releases with final values, manifests) and status for an API object and config; offline",
    )
    .requiredOption("--descriptor <file>", "descriptor file")
    .requiredOption("--api <file>", "API object (YAML)")
    .requiredOption("--config <file>", "config object (YAML)")
    .option("--deploy <file>", "outputs of deployed units by unit name (YAML); simulated when absent")
    .action(async (opts: RenderOptions) => {
      process.exitCode = await runRender(opts);
    });
}
