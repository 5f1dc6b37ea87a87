/**
 * The lower bound: no engine. The chart is rendered offline once (`helm template`, not
 * timed) and the same three objects per API object are server-side applied by this process
 * with 16 requests in flight; Ready is when every Deployment is Available.
 */
import { execa } from "execa";
import { parseAllDocuments } from "yaml";
import { join } from "node:path";
import { KubeClient } from "../../src/kube/client.js";
import type { KubeObject } from "../../src/descriptor/plan.js";
import { BENCH_ROOT } from "./config.js";
import { apply } from "./kube.js";
import { IMAGE, NS, type BenchContext, type System } from "./types.js";
import { pool } from "./util.js";

const PLACEHOLDER = "benchplaceholder";

export class SsaSystem implements System {
  readonly name = "ssa" as const;
  readonly correctsDrift = false;
  readonly description =
    "lower bound: helm template once offline, then server-side apply of the rendered objects (16 in flight), no controller";
  private template: KubeObject[] = [];
  private applied = 0;

  constructor(private readonly ctx: BenchContext) {}

  async start(): Promise<void> {
    await apply(this.ctx.kc.mcp, { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    const chart = join(BENCH_ROOT, "fixtures/charts/bench-app");
    const out = await execa(this.ctx.env.binaries.helm, [
      "template",
      PLACEHOLDER,
      chart,
      "--namespace",
      NS,
      "--set",
      `image=${IMAGE}`,
    ]);
    this.template = parseAllDocuments(out.stdout)
      .map((d) => d.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => o !== null)
      .map((o) => ({ ...o, metadata: { ...o.metadata, namespace: NS } }));
    // Warm discovery so the timed part is only the applies.
    for (const o of this.template) await KubeClient.for(this.ctx.kc.mcp).resource(o.apiVersion, o.kind);
  }

  private objectsFor(name: string): KubeObject[] {
    return this.template.map(
      (o) => JSON.parse(JSON.stringify(o).replaceAll(PLACEHOLDER, name)) as KubeObject,
    );
  }

  async create(): Promise<void> {
    await pool(this.ctx.names, 16, async (name) => {
      for (const o of this.objectsFor(name)) await apply(this.ctx.kc.mcp, o, "bench-ssa");
      this.applied++;
    });
  }

  reportedReady(): Promise<number> {
    return Promise.resolve(this.applied);
  }

  pid(): undefined {
    return undefined;
  }

  helmProcesses(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  helmOperations(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }
}
