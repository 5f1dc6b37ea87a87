/**
 * Child processes of the test environment. Each one is started under
 * `setpriv --pdeathsig KILL`, so it dies with the process that started it even
 * when that process is SIGKILLed: no control-plane process outlives a run.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  exited(): boolean;
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ManagedProcess>();

export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  const usePdeathsig = process.platform === "linux" && existsSync("/usr/bin/setpriv");
  const child: ChildProcess = usePdeathsig
    ? spawn("/usr/bin/setpriv", ["--pdeathsig", "KILL", "--", command, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exitedFlag = false;
  const exit = new Promise<void>((resolve) => {
    child.on("exit", () => {
      exitedFlag = true;
      resolve();
    });
  });
  const managed: ManagedProcess = {
    name,
    pid: child.pid ?? -1,
    logFile,
    exited: () => exitedFlag,
    async stop(graceMs = 5000) {
      running.delete(managed);
      if (!exitedFlag) {
        child.kill("SIGTERM");
        const killed = await Promise.race([exit.then(() => true), sleep(graceMs).then(() => false)]);
        if (!killed) {
          child.kill("SIGKILL");
          await exit;
        }
      }
      log.end();
    },
  };
  running.add(managed);
  return managed;
}

/** Stops every process still running, in reverse start order. */
export async function stopAll(): Promise<void> {
  for (const p of [...running].reverse()) await p.stop();
}

export async function logTail(logFile: string, lines = 30): Promise<string> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  return text.split("\n").slice(-lines).join("\n");
}
