/** `spe lint <files|dirs…>`: file:line:col: severity: message [rule]; --format json; --render. */
import type { Command } from "commander";
import { formatIssue, lintLoaded, loadDescriptors, type Issue } from "../descriptor/index.js";
import { isHelmError } from "../plugins/helm/index.js";
import { cliHelmWorker } from "./helm-template.js";
import { EXIT, processIO, type CliIO } from "./io.js";
import { renderFindings, type RenderInputs } from "./lint-render.js";

export interface LintOptions {
  format: "text" | "json";
  /** Also render each descriptor and its helm units (through the helm worker). */
  render?: boolean;
  /** What to render with, instead of examples/ beside each descriptor. */
  inputs?: RenderInputs;
  /** The helm worker for --render (default $SPE_HELM_WORKER, else spe-helm-worker on PATH). */
  helmWorker?: string;
}

function exitCode(issues: readonly Issue[]): number {
  if (issues.some((i) => i.code === "io")) return EXIT.usage;
  return issues.some((i) => i.severity !== "info") ? EXIT.findings : EXIT.ok;
}

/** Lints (and with `render`, renders) `paths`; the findings, or the usage error that stopped it. */
async function findings(paths: readonly string[], options: LintOptions): Promise<Issue[] | string> {
  const loaded = await loadDescriptors(paths);
  const issues = lintLoaded(loaded);
  if (!options.render) return issues;
  if (options.inputs && loaded.descriptors.length > 1)
    return `--api and --config are the inputs of one descriptor; ${paths.join(" ")} holds ${loaded.descriptors.length}`;
  const worker = cliHelmWorker(options.helmWorker);
  try {
    return [...issues, ...(await renderFindings(loaded, issues, options.inputs ?? {}, worker))];
  } catch (err) {
    if (isHelmError(err, "BinaryNotFound") || isHelmError(err, "VersionUnsupported"))
      return `${err.message}; --render runs helm through it (--helm-worker or SPE_HELM_WORKER)`;
    throw err;
  } finally {
    await worker.stop();
  }
}

/** Lints and prints; returns the exit code. */
export async function runLint(
  paths: readonly string[],
  options: LintOptions,
  io: CliIO = processIO,
): Promise<number> {
  const issues = await findings(paths, options);
  if (typeof issues === "string") {
    io.err(`${issues}\n`);
    return EXIT.usage;
  }
  if (options.format === "json") io.out(`${JSON.stringify(issues, null, 2)}\n`);
  else {
    for (const i of issues) io.out(`${formatIssue(i)}\n`);
    const errors = issues.filter((i) => i.severity === "error").length;
    if (issues.length > 0) io.err(`${issues.length} finding(s), ${errors} error(s)\n`);
  }
  return exitCode(issues);
}

interface LintFlags {
  format: string;
  render?: boolean;
  api?: string;
  config?: string;
  helmWorker?: string;
}

/** The options the flags ask for, or why they make no sense. */
function lintOptions(opts: LintFlags): LintOptions | string {
  if (opts.format !== "text" && opts.format !== "json")
    return `unknown --format ${opts.format}; use text or json`;
  if ((opts.api === undefined) !== (opts.config === undefined)) return "--api and --config go together";
  if (opts.api !== undefined && !opts.render) return "--api and --config are for --render";
  const out: LintOptions = { format: opts.format, render: opts.render === true };
  if (opts.api !== undefined && opts.config !== undefined)
    out.inputs = { api: opts.api, config: opts.config };
  if (opts.helmWorker !== undefined) out.helmWorker = opts.helmWorker;
  return out;
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description(
      "check descriptors offline: schema, expression paths, DAG, names, plugin kinds, charts; --render also renders them",
    )
    .argument("<paths...>", "descriptor files or directories")
    .option("--format <format>", "text or json", "text")
    .option(
      "--render",
      "also render each descriptor with an API object and a config, its helm charts through the helm worker (helm template, no cluster)",
    )
    .option(
      "--api <file>",
      "the API object to render with (default: examples/api.yaml beside the descriptor)",
    )
    .option(
      "--config <file>",
      "the config to render with (default: examples/config.yaml beside the descriptor)",
    )
    .option("--helm-worker <path>", "spe-helm-worker for --render (default: $SPE_HELM_WORKER, else on PATH)")
    .action(async (paths: string[], opts: LintFlags) => {
      const options = lintOptions(opts);
      if (typeof options === "string") {
        processIO.err(`${options}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runLint(paths, options);
    });
}
