/**
 * The objects of each release as rendered for the plan it was last deployed from, keyed by
 * release and checked against (chart digest, values hash): filled after each install or
 * upgrade from what helm applied (or from the stored release), so observe in steady state
 * neither runs helm nor parses a manifest. One entry per release; a new plan replaces it.
 */
import type { KubeObject } from "../../descriptor/plan.js";

export interface RenderKey {
  chartDigest: string;
  valuesHash: string;
  release: string;
  namespace: string;
}

export function renderKeyOf(k: RenderKey): string {
  return `${k.namespace}/${k.release}/${k.chartDigest}/${k.valuesHash}`;
}

interface Entry {
  key: string;
  objects: KubeObject[];
  bytes: number;
}

/** The rendered JSON's length, a stand-in for the entry's memory (JS objects take a few times more). */
function sizeOf(objects: KubeObject[]): number {
  return objects.reduce((n, o) => n + JSON.stringify(o).length, 0);
}

/** An LRU bounded by the rendered size of its entries (64 MiB of JSON by default). */
export class RenderCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** The objects of `release` (an id naming the cluster too) if they were rendered for `key`. */
  get(release: string, key: RenderKey): KubeObject[] | undefined {
    const entry = this.entries.get(release);
    if (entry?.key !== renderKeyOf(key)) return undefined;
    this.entries.delete(release);
    this.entries.set(release, entry);
    return entry.objects;
  }

  set(release: string, key: RenderKey, objects: KubeObject[]): void {
    this.delete(release);
    const entry = { key: renderKeyOf(key), objects, bytes: sizeOf(objects) };
    this.entries.set(release, entry);
    this.bytes += entry.bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes || oldest === release) break;
      this.delete(oldest);
    }
  }

  delete(release: string): void {
    const entry = this.entries.get(release);
    if (!entry) return;
    this.entries.delete(release);
    this.bytes -= entry.bytes;
  }

  get size(): number {
    return this.entries.size;
  }
}
