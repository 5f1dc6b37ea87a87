/**
 * `spe lint --render`: each descriptor lint found no error in is rendered with an API object
 * and a config (--api/--config, or examples/api.yaml and examples/config.yaml beside it), and
 * its helm units through the helm worker, so values a chart's templates fail on are found
 * before an install fails on them.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import {
  describeIssues,
  RenderError,
  renderOffline,
  safeCompileDescriptor,
  validateApiObject,
  validateConfig,
  type CompiledDescriptor,
  type Issue,
  type LoadResult,
  type ProviderDescriptor,
} from "../descriptor/index.js";
import { readYamlObject } from "./load-one.js";
import { localChartVersion } from "./render.js";
import { templateUnits } from "./helm-template.js";
import type { HelmWorker } from "../plugins/helm/index.js";

export interface RenderInputs {
  api?: string;
  config?: string;
}

interface Inputs {
  api: { file: string; value: Record<string, unknown> };
  config: { file: string; value: Record<string, unknown> };
}

function finding(d: ProviderDescriptor, message: string, severity: Issue["severity"] = "error"): Issue {
  return d.source.positions.locate([{ code: "render-inputs", path: [], message, severity }])[0] as Issue;
}

/** The inputs to render `d` with, or the finding that says why there are none. */
async function inputsFor(d: ProviderDescriptor, given: RenderInputs): Promise<Inputs | Issue> {
  const dir = d.source.dir;
  const api = given.api ?? (dir === undefined ? undefined : join(dir, "examples", "api.yaml"));
  const config = given.config ?? (dir === undefined ? undefined : join(dir, "examples", "config.yaml"));
  if (api === undefined || config === undefined || !existsSync(api) || !existsSync(config))
    return finding(
      d,
      "--render needs an API object and a config to render with: examples/api.yaml and examples/config.yaml beside the descriptor, or --api and --config",
      "warning",
    );
  try {
    return {
      api: { file: api, value: await readYamlObject(api) },
      config: { file: config, value: await readYamlObject(config) },
    };
  } catch (err) {
    return finding(d, `cannot read the inputs to render with: ${(err as Error).message}`);
  }
}

function invalidInputs(d: ProviderDescriptor, c: CompiledDescriptor, inputs: Inputs): Issue[] {
  const name = (file: string): string => relative(d.source.dir ?? ".", file) || file;
  const out: Issue[] = [];
  const api = validateApiObject(c, inputs.api.value);
  const config = validateConfig(c, inputs.config.value);
  if (api.length > 0) out.push(finding(d, `${name(inputs.api.file)}: ${describeIssues(api)}`));
  if (config.length > 0) out.push(finding(d, `${name(inputs.config.file)}: ${describeIssues(config)}`));
  return out;
}

/** Renders one descriptor with its inputs, its helm units through the worker. */
async function renderOne(d: ProviderDescriptor, given: RenderInputs, worker: HelmWorker): Promise<Issue[]> {
  const compiled = safeCompileDescriptor(d);
  if (!compiled.ok) return [];
  const inputs = await inputsFor(d, given);
  if (!("api" in inputs)) return [inputs];
  const invalid = invalidInputs(d, compiled.value, inputs);
  if (invalid.length > 0) return invalid;
  let units;
  try {
    const input = {
      api: inputs.api.value,
      config: inputs.config.value,
      chartVersion: localChartVersion(compiled.value),
    };
    units = renderOffline(compiled.value, input).units;
  } catch (err) {
    if (err instanceof RenderError) return d.source.positions.locate(err.issues);
    throw err;
  }
  return (await templateUnits(compiled.value, units, worker)).issues;
}

/** Findings of rendering every descriptor of `loaded` that `found` holds no error of. */
export async function renderFindings(
  loaded: LoadResult,
  found: readonly Issue[],
  given: RenderInputs,
  worker: HelmWorker,
): Promise<Issue[]> {
  const broken = new Set(found.filter((i) => i.severity === "error").map((i) => i.file));
  const out: Issue[] = [];
  for (const d of loaded.descriptors) {
    if (broken.has(d.source.file)) continue;
    out.push(...(await renderOne(d, given, worker)));
  }
  return out;
}
