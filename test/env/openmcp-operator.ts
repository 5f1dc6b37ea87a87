/**
 * openmcp-operator, built from its Go module at the pinned version, for the openMCP e2e tests.
 * Its module `replace`s two nested modules (./api, ./lib), so `go install module@version`
 * refuses it; the module and both nested modules come from the Go proxy (`go mod download`)
 * into a scratch copy, where `go build` runs. Its CRD manifests (from the api module) are
 * kept next to the binary, for the tests to install on the platform cluster.
 */
import { execa } from "execa";
import { chmod, cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VERSIONS } from "./versions.js";

export const OPENMCP_OPERATOR_MODULE = "github.com/openmcp-project/openmcp-operator";

/** How build.ts runs go, passed in so this file does not import it back. */
export type GoRun = (
  binary: string,
  args: string[],
  opts: { cwd: string; progress: (line: string) => void; env?: Record<string, string> },
) => Promise<void>;

async function moduleDir(path: string): Promise<string> {
  const { stdout } = await execa("go", ["mod", "download", "-json", `${path}@${VERSIONS.openmcpOperator}`]);
  return (JSON.parse(stdout) as { Dir: string }).Dir;
}

/** Copies a read-only module cache folder into `to`, writable (go build writes nothing there, cp keeps modes). */
async function copyModule(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  const walk = async (dir: string): Promise<void> => {
    await chmod(dir, 0o755);
    for (const entry of await readdir(dir, { withFileTypes: true }))
      if (entry.isDirectory()) await walk(join(dir, entry.name));
      else await chmod(join(dir, entry.name), 0o644);
  };
  await walk(to);
}

export async function buildOpenmcpOperator(
  out: string,
  progress: (line: string) => void,
  goRun: GoRun,
): Promise<void> {
  const [main, api, lib] = await Promise.all(
    ["", "/api", "/lib"].map((sub) => moduleDir(OPENMCP_OPERATOR_MODULE + sub)),
  );
  const scratch = await mkdtemp(join(tmpdir(), "spe-openmcp-operator-"));
  try {
    const src = join(scratch, "src");
    await copyModule(main!, src);
    await copyModule(api!, join(src, "api"));
    await copyModule(lib!, join(src, "lib"));
    await goRun(
      "openmcp-operator",
      [
        "build",
        "-trimpath",
        "-ldflags",
        "-s -w",
        "-o",
        join(out, "openmcp-operator"),
        "./cmd/openmcp-operator",
      ],
      { cwd: src, progress },
    );
    await cp(join(src, "api/crds/manifests"), join(out, "crds"), { recursive: true });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
