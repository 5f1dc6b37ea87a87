/** A controller process under measurement: started with its output in a log file, stopped by pid. */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { sleep, until } from "./util.js";

export interface Controller {
  pid: number;
  exited: () => boolean;
  stop(): Promise<void>;
}

export function startController(
  command: string,
  args: string[],
  opts: { log: string; env?: NodeJS.ProcessEnv; cwd?: string },
): Controller {
  const fd = openSync(opts.log, "a");
  const child: ChildProcess = spawn(command, args, {
    stdio: ["ignore", fd, fd],
    env: { ...process.env, ...opts.env },
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  closeSync(fd);
  const state = { done: false };
  const isDone = (): boolean => state.done;
  child.on("exit", () => {
    state.done = true;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  return {
    pid,
    exited: isDone,
    stop: async () => {
      if (isDone()) return;
      child.kill("SIGTERM");
      for (let i = 0; i < 100 && !isDone(); i++) await sleep(100);
      if (!isDone()) child.kill("SIGKILL");
    },
  };
}

/** Waits until an HTTP health endpoint answers 200 (and the process still runs). */
export async function waitHttpOk(url: string, controller: Controller, timeoutMs = 60_000): Promise<void> {
  const outcome = await until(
    url,
    async () => {
      if (controller.exited()) return "exited";
      const res = await fetch(url).catch(() => undefined);
      return res?.ok ? "ok" : undefined;
    },
    timeoutMs,
  );
  if (outcome === "exited") throw new Error(`process ${controller.pid} exited before ${url} answered`);
}
