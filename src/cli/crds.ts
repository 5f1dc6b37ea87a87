/** `spe crds <descriptor>`: the generated API and config CRDs as a YAML stream. */
import type { Command } from "commander";
import { apiCrd, configCrd } from "../descriptor/index.js";
import { EXIT, processIO, toYamlStream, UsageError, type CliIO } from "./io.js";
import { compileOne, FindingsError } from "./load-one.js";

export interface CrdsOptions {
  only?: "api" | "config";
}

export async function runCrds(path: string, options: CrdsOptions, io: CliIO = processIO): Promise<number> {
  try {
    const compiled = await compileOne(path);
    const crds = [];
    if (options.only !== "config") crds.push(apiCrd(compiled));
    if (options.only !== "api") crds.push(configCrd(compiled));
    io.out(toYamlStream(crds));
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof FindingsError)) throw err;
    io.err(`${err.message}\n`);
    return err instanceof UsageError ? EXIT.usage : EXIT.findings;
  }
}

export function registerCrds(program: Command): void {
  program
    .command("crds")
    .description("print the generated CustomResourceDefinitions (API and config)")
    .argument("<descriptor>", "descriptor file")
    .option("--only <which>", "api or config")
    .action(async (path: string, opts: { only?: string }) => {
      if (opts.only !== undefined && opts.only !== "api" && opts.only !== "config") {
        processIO.err(`unknown --only ${opts.only}; use api or config\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runCrds(path, opts.only === undefined ? {} : { only: opts.only });
    });
}
