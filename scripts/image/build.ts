/**
 * `npm run image`: spe's container image as an OCI image layout, built
 * without a container engine, reproducibly (the same commit gives the same
 * digest), with a CycloneDX SBOM beside it. See scripts/image/README.md.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assemble, type Assembled } from "./assemble.js";
import { nodeBinary, prepareLayers, repoRoot, type BuildSettings } from "./layers.js";
import { buildSbom } from "./sbom.js";
import { sourceInfo, type SourceInfo } from "./source.js";
import { imageTools, type ImageTools } from "./tools.js";

export const DEFAULT_REPOSITORY = "ghcr.io/spe-dev/spe";

export interface BuildOptions extends BuildSettings {
  /** Folder for the results: oci/ (the layout), sbom.cdx.json, image.json. */
  out: string;
  repository: string;
  /** The tag; the package version when absent. */
  tag?: string;
}

export interface ImageBuild extends Assembled {
  /** repository:tag */
  ref: string;
  repository: string;
  layout: string;
  sbom: string;
  sbomComponents: number;
  source: SourceInfo;
  tools: ImageTools;
  seconds: number;
}

export async function buildImage(options: BuildOptions): Promise<ImageBuild> {
  const started = Date.now();
  const source = await sourceInfo(repoRoot);
  const ref = `${options.repository}:${options.tag ?? source.version}`;
  options.log(`image: ${ref} at ${source.revision} (SOURCE_DATE_EPOCH=${source.epoch})`);
  const work = await mkdtemp(join(tmpdir(), "spe-image-"));
  try {
    const [tools, layers] = await Promise.all([
      imageTools(options.log),
      prepareLayers(work, source, options),
    ]);
    const layout = join(options.out, "oci");
    await rm(layout, { recursive: true, force: true });
    await mkdir(options.out, { recursive: true });
    options.log("image: assembling layers (image-assemble)…");
    const assembled = await assemble({ tools, layers, source, ref, layout, work });
    const node = await nodeBinary();
    const sbom = await buildSbom({
      info: source,
      digest: assembled.digest,
      repository: options.repository,
      debianDir: layers.debian,
      node,
      nodeModulesDir: join(layers.nodeModules, "app"),
      helmWorker: join(layers.helmWorker, "usr/local/bin/spe-helm-worker"),
    });
    const sbomPath = join(options.out, "sbom.cdx.json");
    await writeFile(sbomPath, sbom.json);
    const result: ImageBuild = {
      ...assembled,
      ref,
      repository: options.repository,
      layout,
      sbom: sbomPath,
      sbomComponents: sbom.components,
      source,
      tools,
      seconds: (Date.now() - started) / 1000,
    };
    await writeFile(join(options.out, "image.json"), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
