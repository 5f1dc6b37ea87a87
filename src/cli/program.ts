/** The `spe` command tree; each command registers itself so others can add `run`, `dev`, … */
import { Command } from "commander";
import { registerCrds } from "./crds.js";
import { registerDev } from "./dev.js";
import { EXIT } from "./io.js";
import { registerLint } from "./lint.js";
import { registerRender } from "./render.js";
import { registerRun } from "./run.js";
import { registerValidate } from "./validate.js";
import { packageVersion, registerVersion } from "./version.js";

export function buildProgram(): Command {
  const program = new Command("spe")
    .description("Service Provider Engine: YAML provider descriptors as openMCP-style ServiceProviders")
    .version(packageVersion(), "--version")
    .showHelpAfterError()
    .exitOverride((err) => {
      // Commander's own exits (help, version) are fine; bad usage is exit 2.
      process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
    });
  registerVersion(program);
  registerLint(program);
  registerRender(program);
  registerCrds(program);
  registerRun(program);
  registerDev(program);
  registerValidate(program);
  return program;
}
