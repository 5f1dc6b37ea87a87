/**
 * Stopping watches nobody needs any more. A watch holds a connection and a cache of every
 * object of its kind (or namespace), so once the last API object that needed it is gone it
 * stops, after a linger: the next install into the same place often needs it again a moment
 * later, and finds it listed instead of listing again.
 */
export class Retirement {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly stopping = new Set<Promise<void>>();

  constructor(
    private readonly lingerMs: number,
    /** Whether the watch is needed again (then it stays). */
    private readonly needed: (key: string) => boolean,
    /** Takes the watch out of use and stops it; resolves once it stopped. */
    private readonly stop: (key: string) => Promise<void>,
  ) {}

  /** The watch `key` is not needed now: stop it after the linger unless it is needed again. */
  retire(key: string): void {
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (this.needed(key)) return;
      const stopped = this.stop(key).finally(() => this.stopping.delete(stopped));
      this.stopping.add(stopped);
    }, this.lingerMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** No more retirements; resolves once those under way are done. */
  async close(): Promise<void> {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.stopping);
  }
}

/** How long an unneeded watch keeps running by default. */
export const LINGER_MS = 30_000;
