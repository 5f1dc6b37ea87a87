/**
 * The image's configuration (what the chart's pod runs) and the hand-over to
 * image-assemble, which writes the layers and the OCI layout.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { imageCacheRoot } from "./cache.js";
import type { LayerDirs } from "./layers.js";
import { ImageBuildError, run } from "./run.js";
import type { SourceInfo } from "./source.js";
import type { ImageTools } from "./tools.js";

export interface LayerResult {
  name: string;
  digest: string;
  diffID: string;
  /** Compressed, as pushed. */
  size: number;
  uncompressedSize: number;
}

export interface Assembled {
  digest: string;
  configDigest: string;
  manifestSize: number;
  layers: LayerResult[];
}

export interface AssembleInput {
  tools: ImageTools;
  layers: LayerDirs;
  source: SourceInfo;
  ref: string;
  layout: string;
  work: string;
}

/** The environment spe runs with: helm's homes and temporary files on /tmp, the one writable place. */
export const IMAGE_ENV = {
  PATH: "/usr/local/bin:/usr/bin:/bin",
  NODE_ENV: "production",
  HOME: "/tmp",
  TMPDIR: "/tmp",
  HELM_CACHE_HOME: "/tmp/helm/cache",
  HELM_CONFIG_HOME: "/tmp/helm/config",
  HELM_DATA_HOME: "/tmp/helm/data",
};

/** How the image runs spe (the Dockerfile's final stage says the same; a unit test compares them). */
export const RUN_CONFIG = {
  User: "65532:65532",
  Entrypoint: ["/usr/local/bin/spe"],
  Cmd: ["run"],
  WorkingDir: "/app",
  ExposedPorts: { "8080/tcp": {} },
};

export function labels(source: SourceInfo): Record<string, string> {
  return {
    "org.opencontainers.image.title": "spe",
    "org.opencontainers.image.description":
      "Service Provider Engine: YAML provider descriptors as openMCP ServiceProviders",
    "org.opencontainers.image.version": source.version,
    "org.opencontainers.image.revision": source.revision,
    "org.opencontainers.image.source": source.url,
    "org.opencontainers.image.url": source.url,
    "org.opencontainers.image.licenses": "Apache-2.0",
    "org.opencontainers.image.created": new Date(source.epoch * 1000).toISOString().replace(".000Z", "Z"),
  };
}

const GO_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: "amd64", arm64: "arm64" };

export async function assemble(input: AssembleInput): Promise<Assembled> {
  const architecture = GO_ARCH[process.arch];
  if (!architecture) throw new ImageBuildError(`image: no image for the ${process.arch} architecture`);
  const { layers, source } = input;
  const spec = {
    epoch: source.epoch,
    out: input.layout,
    work: input.work,
    blobCache: join(imageCacheRoot(), "blobs"),
    refName: input.ref,
    // Files of the layers that do not change with each commit are dated 1970 (as ko and distroless
    // do), so they keep their digest from commit to commit: a new spe pulls one small layer.
    // spe's own layer and the image's created time are the commit's (SOURCE_DATE_EPOCH).
    layers: [
      { name: "debian", root: layers.debian, epoch: 0 },
      { name: "node", root: layers.node, epoch: 0 },
      { name: "helm-worker", root: layers.helmWorker, epoch: 0 },
      { name: "node-modules", root: layers.nodeModules, epoch: 0 },
      { name: "spe", root: layers.app },
    ],
    config: {
      ...RUN_CONFIG,
      Env: Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`),
      Labels: labels(source),
    },
    platform: { os: "linux", architecture },
    annotations: labels(source),
  };
  const specFile = join(input.work, "assemble.json");
  await writeFile(specFile, JSON.stringify(spec));
  return JSON.parse(await run(input.tools.assemble, [specFile])) as Assembled;
}
