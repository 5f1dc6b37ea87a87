/**
 * The Go programs of the image build, from scripts/image/go (which pins
 * go-containerregistry): image-assemble writes the OCI layout, crane pushes,
 * pulls and inspects it. Built once per source hash into the image cache.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cached, hashOf } from "./cache.js";
import { run, type Log } from "./run.js";

export const goModule = fileURLToPath(new URL("./go/", import.meta.url));
/** The helm worker's Go module (spe's own program in the image). */
export const helmWorkerModule = fileURLToPath(new URL("../../src/plugins/helm/worker/", import.meta.url));

export interface ImageTools {
  assemble: string;
  crane: string;
}

const GO_ENV = { CGO_ENABLED: "0", GOFLAGS: "-mod=readonly -buildvcs=false" };

export async function imageTools(log: Log): Promise<ImageTools> {
  const key = await hashOf([], [goModule], /\.(go|mod|sum)$/);
  const dir = await cached(`tools-${key}`, "crane", async (tmp) => {
    log("image: building image-assemble and crane (go-containerregistry)…");
    await run(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        "-s -w",
        "-o",
        `${tmp}/`,
        ".",
        "github.com/google/go-containerregistry/cmd/crane",
      ],
      { cwd: goModule, env: GO_ENV },
    );
  });
  return { assemble: join(dir, "image-assemble"), crane: join(dir, "crane") };
}

/** spe-helm-worker at usr/local/bin of the returned folder, built once per source hash. */
export async function helmWorkerLayer(log: Log): Promise<string> {
  // What the binary is built from (its tests are not part of it).
  const key = await hashOf([], [helmWorkerModule], /^[^/]+(?<!_test)\.(go|mod|sum)$/);
  return cached(`helm-worker-${key}`, "usr/local/bin/spe-helm-worker", async (tmp) => {
    log("image: building spe-helm-worker…");
    await run(
      "go",
      ["build", "-trimpath", "-ldflags", "-s -w", "-o", join(tmp, "usr/local/bin/spe-helm-worker"), "."],
      { cwd: helmWorkerModule, env: GO_ENV },
    );
  });
}
