/** Runs a build step's command; a failure names the command and shows the end of its output. */
import { execa } from "execa";

export type Log = (line: string) => void;

export class ImageBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageBuildError";
  }
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
}

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await execa(command, args, {
    ...options,
    all: true,
    reject: false,
    stripFinalNewline: true,
  });
  if (result.failed) {
    const tail = result.all.split("\n").slice(-30).join("\n");
    const why = result.exitCode === undefined ? result.shortMessage : `exit ${result.exitCode}`;
    throw new ImageBuildError(`image: ${command} ${args.slice(0, 2).join(" ")} failed (${why}):\n${tail}`);
  }
  return result.stdout;
}
