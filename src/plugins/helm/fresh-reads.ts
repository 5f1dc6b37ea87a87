/**
 * Release reads kept for the create or update of the same reconcile, so an install or upgrade
 * right after observe need not read the release again. Most reads are followed by neither, so
 * reads older than a moment are dropped as new ones come in: each holds the release's whole
 * manifest.
 */
import type { HelmRelease } from "./release.js";

/** How old a release read may be for the install or upgrade right after it to go by it. */
const FRESH_MS = 2_000;
/** How many remembered reads trigger dropping the stale ones. */
const PRUNE_AT = 64;

export class FreshReads {
  private readonly reads = new Map<string, { release: HelmRelease | undefined; at: number }>();

  remember(id: string, release: HelmRelease | undefined): void {
    const now = Date.now();
    if (this.reads.size >= PRUNE_AT)
      for (const [other, read] of this.reads) if (now - read.at >= FRESH_MS) this.reads.delete(other);
    this.reads.set(id, { release, at: now });
  }

  /** What was read of the release a moment ago, if it was (taken once). */
  take(id: string): { release: HelmRelease | undefined } | undefined {
    const read = this.reads.get(id);
    this.reads.delete(id);
    return read && Date.now() - read.at < FRESH_MS ? read : undefined;
  }

  delete(id: string): void {
    this.reads.delete(id);
  }

  keys(): IterableIterator<string> {
    return this.reads.keys();
  }
}
