/** `spe lint <files|dirs…>`: file:line:col: severity: message [rule]; --format json. */
import type { Command } from "commander";
import { formatIssue, lintPaths, type Issue } from "../descriptor/index.js";
import { EXIT, processIO, type CliIO } from "./io.js";

export interface LintOptions {
  format: "text" | "json";
}

function exitCode(issues: readonly Issue[]): number {
  if (issues.some((i) => i.code === "io")) return EXIT.usage;
  return issues.some((i) => i.severity !== "info") ? EXIT.findings : EXIT.ok;
}

/** Lints and prints; returns the exit code. */
export async function runLint(
  paths: readonly string[],
  options: LintOptions,
  io: CliIO = processIO,
): Promise<number> {
  const issues = await lintPaths(paths);
  if (options.format === "json") io.out(`${JSON.stringify(issues, null, 2)}\n`);
  else {
    for (const i of issues) io.out(`${formatIssue(i)}\n`);
    const errors = issues.filter((i) => i.severity === "error").length;
    if (issues.length > 0) io.err(`${issues.length} finding(s), ${errors} error(s)\n`);
  }
  return exitCode(issues);
}

export function registerLint(program: Command): void {
  program
    .command("lint")
    .description("check descriptors offline: schema, expression paths, DAG, names, plugin kinds")
    .argument("<paths...>", "descriptor files or directories")
    .option("--format <format>", "text or json", "text")
    .action(async (paths: string[], opts: { format: string }) => {
      if (opts.format !== "text" && opts.format !== "json") {
        processIO.err(`unknown --format ${opts.format}; use text or json\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runLint(paths, { format: opts.format });
    });
}
