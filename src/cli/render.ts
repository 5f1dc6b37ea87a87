/** `spe render --descriptor D --api OBJ --config CFG`: the deploy plan as YAML, offline. */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import {
  describeIssues,
  formatIssue,
  RenderError,
  renderOffline,
  validateApiObject,
  validateConfig,
  type CompiledDescriptor,
  type UnitOutputs,
  type UnitPlan,
} from "../descriptor/index.js";
import { type HelmWorker, isHelmError } from "../plugins/helm/index.js";
import { cliHelmWorker, templateUnits } from "./helm-template.js";
import { EXIT, processIO, toYaml, UsageError, type CliIO } from "./io.js";
import { asApplied, compileOne, FindingsError, readYamlObject } from "./load-one.js";

export interface RenderOptions {
  descriptor: string;
  api: string;
  config: string;
  deploy?: string;
  /** Live values: `<unit>.<key>=<YAML value>`, or a YAML file `{<unit>: {<key>: value}}`; repeatable. */
  live?: string[];
  /** Also render each helm unit's chart through the helm worker (helm template) and print its objects. */
  template?: boolean;
  /** The helm worker for --template (default $SPE_HELM_WORKER, else spe-helm-worker on PATH). */
  helmWorker?: string;
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

async function withWorker<T>(path: string | undefined, fn: (worker: HelmWorker) => Promise<T>): Promise<T> {
  const worker = cliHelmWorker(path);
  try {
    return await fn(worker);
  } finally {
    await worker.stop();
  }
}

const LIVE_ARG = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([A-Za-z_]\w*)=(.*)$/s;

/** `--live unit.key=value` and `--live file.yaml`, merged in order. */
export async function liveValues(args: readonly string[]): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const arg of args) {
    const m = LIVE_ARG.exec(arg);
    if (m) {
      const [, unit = "", , key = "", value = ""] = m;
      (out[unit] ??= {})[key] = parse(value) as unknown;
      continue;
    }
    for (const [unit, values] of Object.entries(await readYamlObject(arg))) {
      if (typeof values !== "object" || values === null || Array.isArray(values))
        throw new UsageError(`${arg}: ${unit} must map live value names to values`);
      Object.assign((out[unit] ??= {}), values);
    }
  }
  return out;
}

/** What `spe render` prints; throws what it reports. */
async function rendered(options: RenderOptions): Promise<unknown> {
  const compiled = await compileOne(options.descriptor);
  const api = asApplied(compiled.api, await readYamlObject(options.api));
  const config = asApplied(compiled.config, await readYamlObject(options.config));
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
    live: await liveValues(options.live ?? []),
  };
  const plan = renderOffline(compiled, input);
  if (!options.template) return plan;
  const templated = await withWorker(options.helmWorker, (w) => templateUnits(compiled, plan.units, w));
  if (templated.issues.length > 0) throw new FindingsError(templated.issues.map(formatIssue).join("\n"));
  return { ...plan, objects: templated.objects };
}

/** Reports what stopped a render; the exit code, or the error again when it is no finding. */
function failed(err: unknown, io: CliIO): number {
  if (err instanceof UsageError) {
    io.err(`${err.message}\n`);
    return EXIT.usage;
  }
  if (isHelmError(err, "BinaryNotFound") || isHelmError(err, "VersionUnsupported")) {
    io.err(`${err.message}; --template runs helm through it (--helm-worker or SPE_HELM_WORKER)\n`);
    return EXIT.usage;
  }
  if (err instanceof FindingsError) io.err(`${err.message}\n`);
  else if (err instanceof RenderError) io.err(`render failed (${err.failure}): ${err.message}\n`);
  else throw err;
  return EXIT.findings;
}

/** Renders and prints; returns the exit code. */
export async function runRender(options: RenderOptions, io: CliIO = processIO): Promise<number> {
  try {
    io.out(toYaml(await rendered(options)));
    return EXIT.ok;
  } catch (err) {
    return failed(err, io);
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
    .option(
      "--live <unit.key=value|file>",
      "a live value (YAML value), or a YAML file of them by unit and key; repeatable. Live values not given are not there yet: units reading them are listed under pending",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      "--template",
      "also render each helm unit's chart through the helm worker (helm template, no cluster) and print its objects",
    )
    .option(
      "--helm-worker <path>",
      "spe-helm-worker for --template (default: $SPE_HELM_WORKER, else on PATH)",
    )
    .action(async (opts: RenderOptions) => {
      process.exitCode = await runRender(opts);
    });
}
