/**
 * Reading an OCI image layout as a container runtime would: its index, the
 * image's manifest and config, its layers unpacked in order into a root
 * filesystem, or just the list of files they hold.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  created?: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[];
    Cmd?: string[];
    WorkingDir?: string;
    Labels?: Record<string, string>;
    ExposedPorts?: Record<string, object>;
  };
  rootfs: { diff_ids: string[] };
}

export interface LayoutImage {
  digest: string;
  manifest: { config: Descriptor; layers: Descriptor[]; annotations?: Record<string, string> };
  config: ImageConfig;
  /** Layer blob files, base first. */
  layerFiles: string[];
}

const blob = (layout: string, digest: string): string => join(layout, "blobs", ...digest.split(":"));

/** The one image in an OCI layout's index (what `npm run image` writes, what crane pulls). */
export async function readLayout(layout: string): Promise<LayoutImage> {
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8")) as { manifests: Descriptor[] };
  const [entry] = index.manifests;
  if (!entry || index.manifests.length !== 1) throw new Error(`${layout}: expected one image in index.json`);
  const manifest = JSON.parse(await readFile(blob(layout, entry.digest), "utf8")) as LayoutImage["manifest"];
  const config = JSON.parse(await readFile(blob(layout, manifest.config.digest), "utf8")) as ImageConfig;
  return {
    digest: entry.digest,
    manifest,
    config,
    layerFiles: manifest.layers.map((l) => blob(layout, l.digest)),
  };
}

/** Unpacks the layers in order, as root keeps owners and modes (the image has no whiteouts). */
export async function unpack(image: LayoutImage, rootfs: string): Promise<void> {
  for (const layer of image.layerFiles)
    await execa("tar", ["-xzf", layer, "-C", rootfs, "--numeric-owner", "--same-permissions"]);
}

/** Every path the layers hold ("usr/local/bin/node", folders without a trailing slash), sorted. */
export async function fileList(layerFiles: string[]): Promise<string[]> {
  const paths = new Set<string>();
  for (const layer of layerFiles) {
    // tar recognises gzip (npm run image) and plain tar layers (some `docker save`s) by itself.
    const { stdout } = await execa("tar", ["-tf", layer], { maxBuffer: 256 * 1024 * 1024 });
    for (const line of stdout.split("\n")) {
      const path = line.replace(/^\.\//, "").replace(/\/$/, "");
      if (path && path !== ".") paths.add(path);
    }
  }
  return [...paths].sort();
}

/** The image's environment as a runtime gives it to the entrypoint. */
export function imageEnv(config: ImageConfig): Record<string, string> {
  return Object.fromEntries(
    (config.config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
}
