/**
 * Runs an image's entrypoint from its unpacked root filesystem the way the
 * chart's pod runs it, with util-linux's unshare: as uid/gid 65532, the root
 * filesystem read-only, /tmp a writable tmpfs (the chart's emptyDir), its own
 * /proc and PID namespace (the entrypoint is PID 1, as in a container), the
 * host's /dev, and host folders bound in where a pod mounts Secrets. The
 * network is the host's, so the test clusters on 127.0.0.1 are reachable.
 *
 * With user namespaces (mode "userns") nothing needs root: the outer namespace
 * maps the caller to root to set up the mounts, an inner one maps 65532.
 * Without them, root sets up the same mounts and drops to 65532 itself
 * (mode "root"); without either the image cannot be run here.
 */
import { execa, type ResultPromise } from "execa";

export type SandboxMode = "userns" | "root";

export interface Bind {
  host: string;
  /** An existing, empty folder of the image (for example /run). */
  inside: string;
}

export interface SandboxSpec {
  rootfs: string;
  mode: SandboxMode;
  argv: string[];
  env: Record<string, string>;
  workingDir: string;
  binds?: Bind[];
}

/** Mounts, then the inner command; $1 is the root, then host/inside pairs up to "--". */
const SETUP = `
root=$1; shift
mount --bind "$root" "$root"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$root/tmp"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
while [ "$1" != "--" ]; do mount --bind "$1" "$root$2"; shift 2; done; shift
mount -o remount,bind,ro "$root"
exec "$@"
`;

/** How this machine can run an image (mode), and what to tell about it; no mode: it cannot. */
export interface SandboxCheck {
  mode?: SandboxMode;
  note: string;
}

/** SPE_TEST_SANDBOX=root|userns forces one. */
export async function sandboxMode(): Promise<SandboxCheck> {
  const forced = process.env.SPE_TEST_SANDBOX;
  if (forced === "root" || forced === "userns") return { mode: forced, note: `${forced} (SPE_TEST_SANDBOX)` };
  const userns = await execa("unshare", ["--user", "--map-root-user", "--mount", "true"], { reject: false });
  if (userns.exitCode === 0) return { mode: "userns", note: "in user namespaces" };
  const why = `user namespaces unavailable (unshare: ${userns.stderr.trim() || userns.shortMessage})`;
  if (process.getuid?.() === 0)
    return { mode: "root", note: `${why}: running the entrypoint as uid 65532 without them` };
  return { note: `cannot run the image here: ${why}, and not root` };
}

export function runInSandbox(spec: SandboxSpec): ResultPromise<{ reject: false; all: true }> {
  const outer = spec.mode === "userns" ? ["--user", "--map-root-user"] : [];
  const inner =
    spec.mode === "userns"
      ? ["unshare", "--user", "--map-user=65532", "--map-group=65532"]
      : ["unshare", "--setgid=65532", "--setuid=65532"];
  const binds = (spec.binds ?? []).flatMap((b) => [b.host, b.inside]);
  return execa(
    "unshare",
    [
      ...outer,
      "--mount",
      "--pid",
      "--fork",
      "--kill-child",
      "sh",
      "-euc",
      SETUP,
      "sh",
      spec.rootfs,
      ...binds,
      "--",
      ...inner,
      `--root=${spec.rootfs}`,
      `--wd=${spec.workingDir}`,
      ...spec.argv,
    ],
    // The image's environment only, as a runtime gives it (the host tools above find themselves on its PATH).
    { env: spec.env, extendEnv: false, reject: false, all: true },
  );
}
