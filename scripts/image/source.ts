/**
 * What the image says about the source it was built from: the package
 * version, the git revision and SOURCE_DATE_EPOCH (the commit's time unless
 * set), from which every timestamp in the image comes.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

export interface SourceInfo {
  version: string;
  /** The commit, with "-dirty" when tracked files differ from it (the image then holds uncommitted code). */
  revision: string;
  /** Seconds since 1970; every timestamp in the image. */
  epoch: number;
  /** Where the source lives (the chart's home). */
  url: string;
}

export const SOURCE_URL = "https://github.com/spe-dev/spe";

async function git(repo: string, args: string[]): Promise<string | undefined> {
  const result = await execa("git", args, { cwd: repo, reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

function epochFrom(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value))
    throw new Error(`image: ${what} must be whole seconds since 1970, not "${value}"`);
  return Number(value);
}

export async function sourceInfo(repo: string, env: NodeJS.ProcessEnv = process.env): Promise<SourceInfo> {
  const pkg = JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as { version: string };
  const commit = await git(repo, ["rev-parse", "HEAD"]);
  const dirty = commit ? (await git(repo, ["status", "--porcelain", "--untracked-files=no"])) !== "" : false;
  const epoch =
    epochFrom(env.SOURCE_DATE_EPOCH, "SOURCE_DATE_EPOCH") ??
    epochFrom(commit ? await git(repo, ["log", "-1", "--format=%ct", "HEAD"]) : undefined, "the commit time");
  if (epoch === undefined)
    throw new Error("image: not a git checkout and no SOURCE_DATE_EPOCH: nothing to date the image by");
  const revision = commit ? `${commit}${dirty ? "-dirty" : ""}` : (env.SPE_IMAGE_REVISION ?? "unknown");
  return { version: pkg.version, revision, epoch, url: SOURCE_URL };
}
