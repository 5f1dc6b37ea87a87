/**
 * The Dockerfile (for people with Docker) and `npm run image` (everyone else)
 * put the same files in the same places. Compared where a Docker engine
 * answers; elsewhere the test says so and is skipped.
 */
import { execa } from "execa";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildImage } from "../../scripts/image/build.js";
import { repoRoot } from "../../scripts/image/layers.js";
import { fileList, readLayout } from "./support/image.js";

const docker = await execa("docker", ["info", "--format", "{{.ServerVersion}}"], { reject: false });
const mmdebstrap = await execa("mmdebstrap", ["--version"], { reject: false });
const skipped =
  docker.exitCode !== 0
    ? `no Docker engine answers here (${(docker.stderr.trim() || (docker.shortMessage ?? "")).split("\n")[0] ?? ""})`
    : mmdebstrap.exitCode !== 0
      ? "mmdebstrap is not installed (npm run image needs it)"
      : undefined;
if (skipped)
  console.warn(`image recipes: ${skipped}: the Dockerfile's files are not compared with npm run image's`);

let work: string | undefined;
afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

/** The layer files of an image `docker image save` wrote (manifest.json names them, old and new formats). */
async function dockerLayers(dir: string): Promise<string[]> {
  const [manifest] = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as { Layers: string[] }[];
  if (!manifest) throw new Error(`${dir}/manifest.json names no image`);
  return manifest.Layers.map((layer) => join(dir, layer));
}

describe.skipIf(skipped !== undefined)("the Dockerfile and npm run image", () => {
  it("give the same file list", async () => {
    work = await mkdtemp(join(tmpdir(), "spe-image-recipes-"));
    const built = await buildImage({
      out: join(work, "npm"),
      repository: "ghcr.io/spe-dev/spe",
      suite: "trixie",
      refreshDebian: false,
      log: () => undefined,
    });
    const tag = `spe-image-recipes:${process.pid}`;
    await execa("docker", ["build", "--build-arg", `REVISION=${built.source.revision}`, "-t", tag, "."], {
      cwd: repoRoot,
    });
    const saved = join(work, "docker");
    await mkdir(saved);
    try {
      await execa("docker", ["image", "save", "-o", join(work, "docker.tar"), tag]);
      await execa("tar", ["-xf", join(work, "docker.tar"), "-C", saved]);
    } finally {
      await execa("docker", ["image", "rm", tag], { reject: false });
    }
    const ours = await fileList((await readLayout(built.layout)).layerFiles);
    const theirs = await fileList(await dockerLayers(saved));
    expect(theirs).toEqual(ours);
  }, 1_800_000);
});
