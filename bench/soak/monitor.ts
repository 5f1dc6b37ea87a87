/**
 * Continuous sampling while the soak runs: how many API objects are Ready, the engine's and
 * its helm workers' RSS, workers a killed engine left behind, and (less often) what is wrong
 * on mcp. A sample the clusters cannot answer (an apiserver restarting) is kept with null.
 */
import { MiB, sampleProc } from "../scale/proc.js";
import { sleep } from "../scale/util.js";
import type { Clusters } from "./access.js";
import { problemCount, problems, readyCount } from "./checks.js";
import type { SoakEngine } from "./engine.js";
import type { SoakProvider } from "./providers.js";

export interface Sample {
  /** Milliseconds since the chaos started (negative before). */
  t: number;
  ready: number | null;
  enginePid: number | null;
  engineUptimeS: number | null;
  engineRssMiB: number | null;
  workerRssMiB: number | null;
  /** Helm workers of this run whose parent is not the live engine. */
  strayWorkers: number;
  /** Drift, missing, orphaned objects and release problems on mcp, when checked in this sample. */
  problems?: number | null;
}

export class Monitor {
  readonly samples: Sample[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly kc: Clusters,
    private readonly providers: SoakProvider[],
    private readonly engine: SoakEngine,
    private readonly every: { sampleMs: number; problemsEvery: number },
  ) {}

  start(t0: number): void {
    this.running = true;
    this.loop = this.run(t0);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(t0: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const next = Date.now() + this.every.sampleMs;
      this.samples.push(await this.sample(t0, i % this.every.problemsEvery === 0));
      await sleep(Math.max(0, next - Date.now()));
    }
  }

  private async sample(t0: number, withProblems: boolean): Promise<Sample> {
    const pid = this.engine.pid();
    const proc = pid === undefined ? undefined : await sampleProc(pid).catch(() => undefined);
    const workers = await this.engine.workers();
    const sample: Sample = {
      t: Date.now() - t0,
      ready: await readyCount(this.kc, this.providers).catch(() => null),
      enginePid: pid ?? null,
      engineUptimeS: pid === undefined ? null : Math.round((Date.now() - this.engine.startedAt) / 1000),
      engineRssMiB: proc ? MiB(proc.rssByProcess[0]?.rssBytes ?? 0) : null,
      workerRssMiB: proc ? MiB(proc.rssBytes - (proc.rssByProcess[0]?.rssBytes ?? 0)) : null,
      strayWorkers: workers.filter((w) => !w.ours).length,
    };
    if (withProblems)
      sample.problems = await problems(this.kc, this.providers)
        .then(problemCount)
        .catch(() => null);
    return sample;
  }
}
