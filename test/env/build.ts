/**
 * Builds the pinned control-plane binaries, helm and the OCI registry from Go modules into a
 * cache outside the repo. A component is rebuilt only when its cache folder is
 * missing; the folder name carries the version and a hash of the wrapper
 * module, so a version bump builds into a fresh folder.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { BinaryPaths } from "./types.js";
import { cacheRoot, VERSIONS } from "./versions.js";
import { withLock } from "./lock.js";
import { buildOpenmcpOperator } from "./openmcp-operator.js";

const goModules = join(dirname(fileURLToPath(import.meta.url)), "go");
/** spe's own Go program: the helm worker, built from the repository's source. */
export const helmWorkerSource = fileURLToPath(new URL("../../src/plugins/helm/worker/", import.meta.url));

export class BuildError extends Error {
  constructor(
    readonly binary: string,
    readonly step: string,
    readonly outputTail: string,
  ) {
    super(`test/env: building ${binary} failed at step "${step}":\n${outputTail}`);
    this.name = "BuildError";
  }
}

export type Progress = (line: string) => void;

interface Component {
  name: string;
  version: string;
  binaries: (keyof BinaryPaths)[];
  /** Wrapper module folder under test/env/go, hashed into the cache key. */
  module?: string;
  /** A source folder of the repository whose Go files (subfolders too) are hashed into the cache key. */
  source?: string;
  build(outDir: string, progress: Progress): Promise<void>;
}

const kubeLdflags = (() => {
  const v = VERSIONS.kubernetes;
  const [major, minor] = v.slice(1).split(".");
  const vars = { gitVersion: v, gitMajor: major, gitMinor: minor, gitTreeState: "clean" };
  const pkgs = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"];
  const flags = pkgs.flatMap((pkg) => Object.entries(vars).map(([k, val]) => `-X ${pkg}.${k}=${val ?? ""}`));
  return ["-s", "-w", ...flags].join(" ");
})();

const components: Component[] = [
  {
    name: "kubernetes",
    version: VERSIONS.kubernetes,
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"],
    module: "kube",
    build: (out, progress) =>
      goRun(
        "kubernetes",
        ["build", "-trimpath", "-ldflags", kubeLdflags, "-o", out + "/", ...kubeCommands()],
        {
          cwd: join(goModules, "kube"),
          progress,
        },
      ),
  },
  {
    name: "etcd",
    version: VERSIONS.etcd,
    binaries: ["etcd"],
    module: "etcd",
    build: (out, progress) =>
      goRun("etcd", ["build", "-trimpath", "-ldflags", "-s -w", "-o", join(out, "etcd"), "."], {
        cwd: join(goModules, "etcd"),
        progress,
      }),
  },
  {
    name: "kwok",
    version: VERSIONS.kwok,
    binaries: ["kwok"],
    build: async (out, progress) => {
      await goInstall({ binary: "kwok", pkg: `sigs.k8s.io/kwok/cmd/kwok@${VERSIONS.kwok}` }, out, progress);
      await writeFile(join(out, "kwok-stages.yaml"), await kwokStages());
    },
  },
  {
    name: "helm",
    version: VERSIONS.helm,
    binaries: ["helm"],
    build: (out, progress) =>
      goInstall(
        {
          binary: "helm",
          pkg: `helm.sh/helm/v4/cmd/helm@${VERSIONS.helm}`,
          ldflags: [
            `-X helm.sh/helm/v4/internal/version.version=${VERSIONS.helm}`,
            "-X helm.sh/helm/v4/internal/version.gitTreeState=clean",
          ],
        },
        out,
        progress,
      ),
  },
  {
    name: "registry",
    version: VERSIONS.distribution,
    binaries: ["registry", "htpasswd"],
    // a source folder, not a module entry: its Go files (not only go.mod/go.sum) are hashed into the key
    source: join(goModules, "registry"),
    build: (out, progress) =>
      goRun("registry", ["build", "-trimpath", "-ldflags", "-s -w", "-o", out + "/", ".", "./htpasswd"], {
        cwd: join(goModules, "registry"),
        progress,
      }),
  },
  {
    name: "spe-helm-worker",
    version: `helm-${VERSIONS.helm}`,
    binaries: ["spe-helm-worker"],
    source: helmWorkerSource,
    build: (out, progress) =>
      goRun(
        "spe-helm-worker",
        ["build", "-trimpath", "-ldflags", "-s -w", "-o", join(out, "spe-helm-worker"), "."],
        { cwd: helmWorkerSource, progress },
      ),
  },
  {
    name: "openmcp-operator",
    version: VERSIONS.openmcpOperator,
    binaries: ["openmcp-operator"],
    build: (out, progress) => buildOpenmcpOperator(out, progress, goRun),
  },
];

function kubeCommands(): string[] {
  return ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"].map(
    (c) => `k8s.io/kubernetes/cmd/${c}`,
  );
}

/** Makes sure every binary exists in the cache, building what is missing. */
export async function ensureBinaries(progress: Progress = () => undefined): Promise<BinaryPaths> {
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  const paths: Partial<BinaryPaths> = {};
  for (const component of components) {
    const dir = await componentDir(root, component);
    if (!component.binaries.every((b) => existsSync(join(dir, b)))) {
      await withLock(`${dir}.lock`, () => buildComponent(component, dir, progress));
    }
    for (const b of component.binaries) paths[b] = join(dir, b);
  }
  return paths as BinaryPaths;
}

/** openmcp-operator's CRD manifests (api/crds/manifests of its module), kept next to its binary. */
export function openmcpCrdsDir(binaries: BinaryPaths): string {
  return join(dirname(binaries["openmcp-operator"]), "crds");
}

/** The folder holding kwok's stage configuration, next to the kwok binary. */
export function kwokStagesFile(binaries: BinaryPaths): string {
  return join(dirname(binaries.kwok), "kwok-stages.yaml");
}

async function componentDir(root: string, component: Component): Promise<string> {
  const hash = createHash("sha256");
  if (component.module) {
    for (const f of ["go.mod", "go.sum"]) hash.update(await readFile(join(goModules, component.module, f)));
  } else if (component.source) {
    const entries = await readdir(component.source, { recursive: true });
    // What the binary is built from: its tests are not part of it.
    const files = entries.filter((f) => /\.(go|mod|sum)$/.test(f) && !f.endsWith("_test.go")).sort();
    for (const f of files)
      hash
        .update(f)
        .update("\0")
        .update(await readFile(join(component.source, f)));
  } else {
    return join(root, `${component.name}-${component.version}`);
  }
  return join(root, `${component.name}-${component.version}-${hash.digest("hex").slice(0, 12)}`);
}

async function buildComponent(component: Component, dir: string, progress: Progress): Promise<void> {
  if (component.binaries.every((b) => existsSync(join(dir, b)))) return; // built while we waited for the lock
  const started = Date.now();
  progress(`test/env: building ${component.name} ${component.version} (${component.binaries.join(", ")})…`);
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await component.build(tmp, progress);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  progress(`test/env: built ${component.name} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

interface GoRunOptions {
  cwd: string;
  progress: Progress;
  env?: Record<string, string>;
}

async function goRun(binary: string, args: string[], opts: GoRunOptions): Promise<void> {
  const tail: string[] = [];
  const proc = execa("go", args, {
    cwd: opts.cwd,
    env: { CGO_ENABLED: "0", GOFLAGS: "-mod=readonly", ...opts.env },
    all: true,
    reject: false,
    buffer: false,
  });
  proc.all.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (line.startsWith("go: downloading")) opts.progress(`  ${binary}: ${line}`);
    }
  });
  const result = await proc;
  if (result.failed) throw new BuildError(binary, `go ${args[0] ?? ""}`, tail.join("\n"));
}

interface GoInstall {
  binary: string;
  pkg: string;
  ldflags?: string[];
}

function goInstall(
  { binary, pkg, ldflags = [] }: GoInstall,
  outDir: string,
  progress: Progress,
): Promise<void> {
  const flags = ["-s", "-w", ...ldflags].join(" ");
  return goRun(binary, ["install", "-trimpath", "-ldflags", flags, pkg], {
    cwd: outDir,
    progress,
    env: { GOBIN: outDir, GOFLAGS: "" },
  });
}

/** kwok needs stage definitions to move nodes and pods along; take the pinned release's own "fast" stages. */
async function kwokStages(): Promise<string> {
  const { stdout } = await execa("go", ["mod", "download", "-json", `sigs.k8s.io/kwok@${VERSIONS.kwok}`]);
  const dir = (JSON.parse(stdout) as { Dir: string }).Dir;
  const files = [
    "node/fast/node-initialize.yaml",
    "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
    "pod/fast/pod-ready.yaml",
    "pod/fast/pod-complete.yaml",
    "pod/fast/pod-delete.yaml",
  ];
  const docs = await Promise.all(files.map((f) => readFile(join(dir, "kustomize/stage", f), "utf8")));
  return docs.join("\n---\n");
}
