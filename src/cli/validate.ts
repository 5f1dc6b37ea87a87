/**
 * `spe validate <descriptor> <sample.yaml>`: the seed's validation flow against a live
 * installation (the ServiceProvider already runs): SETUP, ASSESS and TEARDOWN steps, each
 * printed with its time; a failed step gives its reason, skips the remaining ASSESS steps
 * (TEARDOWN still runs) and makes the exit code 1. `--format json` prints one report.
 */
import type { Command } from "commander";
import type { KubeObject } from "../descriptor/index.js";
import { parseDuration } from "../descriptor/names.js";
import { KubeConfig } from "../kube/kubeconfig.js";
import { EXIT, processIO, UsageError, type CliIO } from "./io.js";
import { asApplied, compileOne, FindingsError, readYamlObject } from "./load-one.js";
import { Validation, type Step } from "./validate-steps.js";

export interface StepResult {
  phase: Step["phase"];
  name: string;
  seconds: number;
  status: "ok" | "failed" | "skipped";
  /** Why it failed, or what it noted. */
  detail?: string;
}

export interface ValidateOptions {
  platformKubeconfig?: string;
  onboardingKubeconfig?: string;
  targetKubeconfig?: string;
  config?: string;
  domainSample?: string;
  timeout?: string;
  format?: string;
}

async function runOne(step: Step): Promise<StepResult> {
  const base = { phase: step.phase, name: step.name, seconds: 0 };
  try {
    const note = await step.run();
    if (note === undefined) return { ...base, status: "ok" };
    if (note.startsWith("skipped: "))
      return { ...base, status: "skipped", detail: note.slice("skipped: ".length) };
    return { ...base, status: "ok", detail: note };
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "";
    return { ...base, status: "failed", detail };
  }
}

/** Runs the steps in order; after a failure the remaining non-TEARDOWN steps are skipped. */
export async function runSteps(
  steps: readonly Step[],
  report: (r: StepResult) => void,
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  let failed = false;
  for (const step of steps) {
    const started = Date.now();
    const result: StepResult =
      failed && step.phase !== "TEARDOWN"
        ? {
            phase: step.phase,
            name: step.name,
            seconds: 0,
            status: "skipped",
            detail: "an earlier step failed",
          }
        : await runOne(step);
    failed ||= result.status === "failed";
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    results.push(result);
    report(result);
  }
  return results;
}

export function formatStep(r: StepResult): string {
  const status = r.status === "ok" ? "ok" : r.status === "failed" ? "FAILED" : "skipped";
  const detail = r.detail === undefined ? "" : ` (${r.detail})`;
  return `${r.phase.padEnd(8)} ${r.seconds.toFixed(1).padStart(6)} s  ${status.padEnd(7)} ${r.name}${detail}\n`;
}

function kubeConfig(file: string | undefined, flag: string): KubeConfig | undefined {
  if (file === undefined) return undefined;
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${(err as Error).message}`);
  }
  return kc;
}

function timeoutOf(value: string | undefined): number {
  const ms = parseDuration(value ?? "3m");
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--timeout ${value ?? ""}: expected a duration such as 90s or 5m`);
  return ms;
}

async function optionalObject(file: string | undefined): Promise<KubeObject | undefined> {
  return file === undefined ? undefined : ((await readYamlObject(file)) as KubeObject);
}

async function validationFor(descriptor: string, sample: string, opts: ValidateOptions): Promise<Validation> {
  const platform = kubeConfig(
    opts.platformKubeconfig ?? process.env.SPE_PLATFORM_KUBECONFIG,
    "--platform-kubeconfig",
  );
  if (!platform) throw new UsageError("--platform-kubeconfig <file> is required");
  const onboarding = kubeConfig(
    opts.onboardingKubeconfig ?? process.env.SPE_ONBOARDING_KUBECONFIG,
    "--onboarding-kubeconfig",
  );
  const target = kubeConfig(opts.targetKubeconfig, "--target-kubeconfig");
  const config = await optionalObject(opts.config);
  const domainSample = await optionalObject(opts.domainSample);
  const compiled = await compileOne(descriptor);
  return new Validation({
    compiled,
    sample: asApplied(compiled.api, await readYamlObject(sample)) as KubeObject,
    platform,
    onboarding: onboarding ?? platform,
    ...(target ? { target } : {}),
    ...(config ? { config } : {}),
    ...(domainSample ? { domainSample } : {}),
    timeoutMs: timeoutOf(opts.timeout),
  });
}

export async function runValidate(
  descriptor: string,
  sample: string,
  opts: ValidateOptions,
  io: CliIO = processIO,
): Promise<number> {
  const json = opts.format === "json";
  if (opts.format !== undefined && !json && opts.format !== "text")
    throw new UsageError(`--format ${opts.format}: expected text or json`);
  const validation = await validationFor(descriptor, sample, opts);
  const started = Date.now();
  const results = await runSteps(validation.steps(), (r) => {
    if (!json) io.out(formatStep(r));
  });
  const ok = results.every((r) => r.status !== "failed");
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  if (json) io.out(`${JSON.stringify({ ok, seconds, steps: results }, null, 2)}\n`);
  else
    io.out(
      ok
        ? `validation passed in ${seconds.toFixed(1)} s\n`
        : `validation failed after ${seconds.toFixed(1)} s\n`,
    );
  return ok ? EXIT.ok : EXIT.findings;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "run the validation flow (SETUP, ASSESS, TEARDOWN) of a provider against a live installation",
    )
    .argument("<descriptor>", "the provider's descriptor file")
    .argument("<sample>", "an API object to create (YAML), named like an MCP")
    .option("--platform-kubeconfig <file>", "platform cluster [SPE_PLATFORM_KUBECONFIG]")
    .option(
      "--onboarding-kubeconfig <file>",
      "onboarding cluster [SPE_ONBOARDING_KUBECONFIG; default platform]",
    )
    .option("--target-kubeconfig <file>", "the MCP (or workload) cluster the DomainService lands on")
    .option("--config <file>", "a ProviderConfig to apply first (and remove at the end)")
    .option("--domain-sample <file>", "a DomainServiceAPI object to create on the target cluster")
    .option("--timeout <duration>", "how long each step may wait", "3m")
    .option("--format <format>", "text or json", "text")
    .action(async (descriptor: string, sample: string, opts: ValidateOptions) => {
      try {
        process.exitCode = await runValidate(descriptor, sample, opts);
      } catch (err) {
        if (!(err instanceof UsageError) && !(err instanceof FindingsError)) throw err;
        processIO.err(`spe validate: ${err.message}\n`);
        process.exitCode = err instanceof UsageError ? EXIT.usage : EXIT.findings;
      }
    });
}
