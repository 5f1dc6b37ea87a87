/**
 * Restarts one cluster's kube-apiserver of a running test environment in
 * place: the process is found by its --cert-dir (inside the environment's run
 * folder, so other environments are never touched), stopped with SIGTERM, and
 * started again with the same arguments (same port, same etcd prefix, so the
 * cluster keeps its data). The new process is stopped by `stop()` of the
 * returned handle, and dies with the test process like every other one.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startProcess, type ManagedProcess } from "./processes.js";
import type { ClusterRole } from "./types.js";

async function findApiserver(certDir: string): Promise<{ pid: number; argv: string[] }> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const raw = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    const argv = raw.split("\0").filter(Boolean);
    if (argv[0]?.endsWith("kube-apiserver") && argv.includes(`--cert-dir=${certDir}`))
      return { pid: Number(entry), argv };
  }
  throw new Error(`no kube-apiserver with --cert-dir=${certDir}`);
}

async function exited(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  process.kill(pid, "SIGKILL");
}

/** Stops `role`'s apiserver, keeps it down for `downMs`, starts it again; resolves once it runs. */
export async function restartApiserver(
  runDir: string,
  role: ClusterRole,
  downMs = 2_000,
): Promise<ManagedProcess> {
  const dir = join(runDir, role);
  const { pid, argv } = await findApiserver(join(dir, "certs"));
  process.kill(pid, "SIGTERM");
  await exited(pid, 20_000);
  await sleep(downMs);
  const [command, ...args] = argv as [string, ...string[]];
  return startProcess(`${role}/kube-apiserver`, command, args, join(dir, "kube-apiserver.log"));
}
