/**
 * The folders that become the image's layers, least often changed first:
 * Debian's files, node, spe-helm-worker, the production npm packages, and
 * spe itself. Each but the last is cached by what it is made from.
 */
import { chmod, copyFile, cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cached, hashOf } from "./cache.js";
import { ImageBuildError, run, type Log } from "./run.js";
import type { SourceInfo } from "./source.js";
import { helmWorkerLayer } from "./tools.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const rootfsScript = fileURLToPath(new URL("./rootfs.sh", import.meta.url));
const DEMO_CHART = "test/fixtures/charts/demo-service";

export interface LayerDirs {
  debian: string;
  node: string;
  helmWorker: string;
  nodeModules: string;
  app: string;
}

export interface BuildSettings {
  /** Debian release (SPE_IMAGE_DEBIAN_SUITE, default trixie). */
  suite: string;
  mirror?: string;
  /** Fetch Debian's packages again though a cached set exists (newer security updates). */
  refreshDebian: boolean;
  log: Log;
}

/**
 * What node, where: the binary of the `node` npm package (a devDependency pinned by the lockfile),
 * whose version is node's; its install script fetched the binary as node-<platform>-<arch>.
 */
export async function nodeBinary(): Promise<{ path: string; version: string; package: string }> {
  const pkg = JSON.parse(await readFile(join(repoRoot, "node_modules/node/package.json"), "utf8")) as {
    version: string;
  };
  return {
    path: join(repoRoot, "node_modules/node/bin/node"),
    version: pkg.version,
    package: `node-${process.platform}-${process.arch}`,
  };
}

export async function debianLayer(settings: BuildSettings): Promise<string> {
  const key = await hashOf([settings.suite, settings.mirror ?? "", await readFile(rootfsScript, "utf8")]);
  return cached(
    `debian-${settings.suite}-${key}`,
    "etc/passwd",
    async (tmp) => {
      settings.log(`image: fetching Debian ${settings.suite} packages (mmdebstrap)…`);
      await run("sh", [rootfsScript, tmp], {
        env: { SPE_IMAGE_DEBIAN_SUITE: settings.suite, SPE_IMAGE_DEBIAN_MIRROR: settings.mirror },
      });
    },
    settings.refreshDebian,
  );
}

async function nodeLayer(): Promise<string> {
  const node = await nodeBinary();
  const runs = await run(node.path, ["--version"]);
  if (runs !== `v${node.version}` || !runs.startsWith("v24."))
    throw new ImageBuildError(`image: node_modules/node runs ${runs}, expected v${node.version} (Node 24)`);
  return cached(`node-${node.version}-${node.package}`, "usr/local/bin/node", async (tmp) => {
    await mkdir(join(tmp, "usr/local/bin"), { recursive: true });
    await copyFile(node.path, join(tmp, "usr/local/bin/node"));
  });
}

/** `npm ci --omit=dev` of the lockfile: the packages spe needs at run time, under app/node_modules. */
async function nodeModulesLayer(log: Log): Promise<string> {
  const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { dependencies?: object };
  const lock = await readFile(join(repoRoot, "package-lock.json"), "utf8");
  const key = await hashOf([JSON.stringify(pkg.dependencies ?? {}), lock]);
  return cached(`node-modules-${key}`, "app/node_modules", async (tmp) => {
    log("image: installing production dependencies (npm ci --omit=dev)…");
    const app = join(tmp, "app");
    await mkdir(app, { recursive: true });
    await copyFile(join(repoRoot, "package.json"), join(app, "package.json"));
    await copyFile(join(repoRoot, "package-lock.json"), join(app, "package-lock.json"));
    // No install scripts: none of the production packages needs one, and none runs unseen.
    await run(
      "npm",
      ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"],
      {
        cwd: app,
      },
    );
    await run("rm", [join(app, "package.json"), join(app, "package-lock.json")]);
  });
}

/** spe itself, made fresh each build: compiled JavaScript, schemas, providers, launcher, build info. */
async function appLayer(work: string, info: SourceInfo, log: Log): Promise<string> {
  const dir = join(work, "app-layer");
  const app = join(dir, "app");
  log("image: compiling spe (tsc)…");
  await run(
    join(repoRoot, "node_modules/.bin/tsc"),
    ["-p", "tsconfig.build.json", "--outDir", join(app, "dist")],
    {
      cwd: repoRoot,
    },
  );
  await copyFile(join(repoRoot, "package.json"), join(app, "package.json"));
  await cp(join(repoRoot, "schemas"), join(app, "schemas"), { recursive: true });
  await cp(join(repoRoot, "providers"), join(app, "providers"), {
    recursive: true,
    // The same files the Dockerfile's context gives (.dockerignore): no tests or their data.
    filter: (src) => !/(\.test\.ts|\/testdata)$/.test(src),
  });
  // The demo provider's chart, which its descriptor names by a relative path: every descriptor
  // under /app/providers works in the image.
  await cp(join(repoRoot, DEMO_CHART), join(app, DEMO_CHART), { recursive: true });
  const buildInfo = { version: info.version, revision: info.revision, source: info.url };
  await writeFile(join(app, "build-info.json"), `${JSON.stringify(buildInfo, null, 2)}\n`);
  await mkdir(join(dir, "usr/local/bin"), { recursive: true });
  await copyFile(join(repoRoot, "scripts/image/spe"), join(dir, "usr/local/bin/spe"));
  await chmod(join(dir, "usr/local/bin/spe"), 0o755);
  return dir;
}

export async function prepareLayers(
  work: string,
  info: SourceInfo,
  settings: BuildSettings,
): Promise<LayerDirs> {
  const { log } = settings;
  // Debian and npm fetch over the network, Go compiles: side by side; tsc after (it is CPU-bound too).
  const [debian, node, helmWorker, nodeModules] = await Promise.all([
    debianLayer(settings),
    nodeLayer(),
    helmWorkerLayer(log),
    nodeModulesLayer(log),
  ]);
  const app = await appLayer(work, info, log);
  return { debian, node, helmWorker, nodeModules, app };
}
