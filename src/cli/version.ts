/** `spe version`: the package version. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";

/** The version in package.json (two levels up from src/cli or dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "0.0.0";
}

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the spe version")
    .action(() => {
      process.stdout.write(`${packageVersion()}\n`);
    });
}
