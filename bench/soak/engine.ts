/**
 * The engine under the soak: `spe run` (compiled) serving the three providers, started again
 * after each SIGKILL. Its helm workers carry a marker in their environment (set by a wrapper
 * script), so the soak finds them (to kill or stop one) and tells a worker left behind by a
 * killed engine from the live engine's own, never touching another run's processes.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RunningEnvironment } from "../../test/env/environment.js";
import { freePort } from "../../test/env/ports.js";
import { startController, waitHttpOk, type Controller } from "../scale/process.js";
import { helmWorkerWrapper, speRunArgs } from "../scale/spe-run.js";
import type { SoakProvider } from "./providers.js";

export interface Worker {
  pid: number;
  /** Whether its parent is the live engine (else a killed engine left it behind). */
  ours: boolean;
}

async function parentOf(pid: string): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

export class SoakEngine {
  private controller: Controller | undefined;
  private opsPort = 0;
  private args: string[] = [];
  /** Engines started (the first included). */
  starts = 0;
  startedAt = 0;

  constructor(
    private readonly env: RunningEnvironment,
    private readonly spe: { node: string; main: string },
    private readonly dir: string,
    private readonly marker: string,
  ) {}

  async prepare(providers: SoakProvider[]): Promise<void> {
    const wrapper = await helmWorkerWrapper(
      join(this.dir, "helm-worker"),
      this.env.binaries["spe-helm-worker"],
      {
        startLog: join(this.dir, "helm-starts.log"),
        env: [`SPE_SOAK_RUN=${this.marker}`],
      },
    );
    this.opsPort = await freePort();
    this.args = await speRunArgs({
      env: this.env,
      main: this.spe.main,
      descriptors: providers.map((p) => p.descriptor),
      opsPort: this.opsPort,
      helmWorker: wrapper,
      logLevel: "info",
    });
  }

  async start(): Promise<void> {
    this.controller = startController(this.spe.node, this.args, { log: join(this.dir, "spe.log") });
    this.starts++;
    this.startedAt = Date.now();
    await waitHttpOk(`http://127.0.0.1:${this.opsPort}/readyz`, this.controller, 120_000);
  }

  pid(): number | undefined {
    return this.controller?.exited() ? undefined : this.controller?.pid;
  }

  /** SIGKILL: no drain, no goodbye; the worker is left to notice on its own. */
  async kill(): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    process.kill(pid, "SIGKILL");
    for (let i = 0; i < 100 && this.pid() !== undefined; i++) await new Promise((r) => setTimeout(r, 50));
  }

  /** This run's helm workers, found by the marker in their environment. */
  async workers(): Promise<Worker[]> {
    const engine = this.pid();
    const found: Worker[] = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
      if (!environ.split("\0").includes(`SPE_SOAK_RUN=${this.marker}`)) continue;
      const parent = await parentOf(entry).catch(() => -1);
      found.push({ pid: Number(entry), ours: parent === engine });
    }
    return found;
  }

  async stop(): Promise<void> {
    await this.controller?.stop();
    for (const w of await this.workers()) process.kill(w.pid, "SIGKILL");
  }

  metrics(): Promise<string | undefined> {
    return fetch(`http://127.0.0.1:${this.opsPort}/metrics`)
      .then((r) => (r.ok ? r.text() : undefined))
      .catch(() => undefined);
  }
}
