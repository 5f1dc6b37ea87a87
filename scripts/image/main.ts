/**
 * npm run image [-- options]
 *   --out DIR          results (default dist/image): oci/, sbom.cdx.json, image.json
 *   --repository NAME  image name (default ghcr.io/spe-dev/spe)
 *   --tag TAG          (default: the package version)
 *   --push             push to repository:tag with crane (its credentials: `crane auth login`)
 *   --refresh-debian   fetch Debian's packages again (security updates) instead of the cached set
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildImage, DEFAULT_REPOSITORY, type ImageBuild } from "./build.js";
import { repoRoot } from "./layers.js";
import { run } from "./run.js";

const log = (line: string): void => {
  console.error(line);
};

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function summary(image: ImageBuild): string {
  const total = image.layers.reduce((n, l) => n + l.size, 0);
  const unpacked = image.layers.reduce((n, l) => n + l.uncompressedSize, 0);
  const rows = image.layers.map(
    (l) =>
      `  ${l.name.padEnd(13)} ${mib(l.size).padStart(10)} ${mib(l.uncompressedSize).padStart(10)}  ${l.digest}`,
  );
  return [
    `image: ${image.ref}@${image.digest} in ${image.seconds.toFixed(0)} s`,
    `  ${"layer".padEnd(13)} ${"compressed".padStart(10)} ${"unpacked".padStart(10)}`,
    ...rows,
    `  ${"total".padEnd(13)} ${mib(total).padStart(10)} ${mib(unpacked).padStart(10)}`,
    `  layout ${image.layout}`,
    `  SBOM   ${image.sbom} (${image.sbomComponents} components)`,
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: resolve(repoRoot, "dist/image") },
      repository: { type: "string", default: DEFAULT_REPOSITORY },
      tag: { type: "string" },
      push: { type: "boolean", default: false },
      "refresh-debian": { type: "boolean", default: false },
    },
  });
  const image = await buildImage({
    out: resolve(values.out),
    repository: values.repository,
    tag: values.tag,
    suite: process.env.SPE_IMAGE_DEBIAN_SUITE ?? "trixie",
    mirror: process.env.SPE_IMAGE_DEBIAN_MIRROR,
    refreshDebian: values["refresh-debian"],
    log,
  });
  log(summary(image));
  if (values.push) {
    log(`image: pushing ${image.ref}…`);
    await run(image.tools.crane, ["push", image.layout, image.ref]);
    log(`image: pushed ${image.ref}@${image.digest}`);
  }
  process.stdout.write(`${image.digest}\n`);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
