/** `spe version`: the package version, and in an image the revision it was built from. */
import { readFileSync } from "node:fs";
import type { Command } from "commander";

/** The version in package.json (two levels up from src/cli or dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "0.0.0";
}

/** What an image build (`npm run image`, the Dockerfile) writes beside package.json. */
export interface BuildInfo {
  version?: string;
  revision?: string;
  source?: string;
}

/** build-info.json beside package.json; none in a source checkout. */
export function buildInfo(url = new URL("../../build-info.json", import.meta.url)): BuildInfo | undefined {
  try {
    return JSON.parse(readFileSync(url, "utf8")) as BuildInfo;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** "0.1.0", or "0.1.0 (revision 1a2b…)" when built into an image. */
export function versionLine(version: string, info: BuildInfo | undefined): string {
  return info?.revision ? `${version} (revision ${info.revision})` : version;
}

export function registerVersion(program: Command): void {
  program
    .command("version")
    .description("print the spe version (and, in an image, the git revision it was built from)")
    .action(() => {
      process.stdout.write(`${versionLine(packageVersion(), buildInfo())}\n`);
    });
}
