/**
 * An informer started on first use, whose start may fail (a kind the cluster does not serve
 * yet, say): then it is tried again on a later use, but not before a pause, so lookups on a
 * hot path never turn into a request each.
 */
import type { Logger } from "pino";
import type { Informer, KubernetesObject } from "./informer.js";

const RETRY_AFTER_MS = 30_000;

export class LazyInformer<T extends KubernetesObject> {
  private informer: Informer<T> | undefined;
  private starting: Promise<void> | undefined;
  private failedAt = 0;

  constructor(
    private readonly create: () => Promise<Informer<T>>,
    private readonly what: Record<string, unknown>,
    private readonly logger?: Logger,
  ) {}

  /** Starts it unless it runs, is starting, or failed a moment ago. */
  ensure(): void {
    if (this.informer || this.starting || Date.now() - this.failedAt < RETRY_AFTER_MS) return;
    this.starting = this.start();
  }

  private async start(): Promise<void> {
    try {
      const informer = await this.create();
      await informer.start();
      this.informer = informer;
    } catch (err) {
      this.failedAt = Date.now();
      this.logger?.warn({ err, ...this.what }, "cannot watch; changes are found by resync only");
    } finally {
      this.starting = undefined;
    }
  }

  /**
   * The informer once it has listed; undefined while it has not (or could not start), and
   * while the apiserver refuses it (its cache then goes stale: callers ask the server).
   */
  ready(): Informer<T> | undefined {
    this.ensure();
    return this.informer?.hasSynced() && !this.informer.refused() ? this.informer : undefined;
  }

  running(): boolean {
    return this.informer !== undefined;
  }

  async stop(): Promise<void> {
    await this.starting;
    await this.informer?.stop();
    this.informer = undefined;
  }
}
