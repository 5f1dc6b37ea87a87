/**
 * Rendered manifests keyed by (chart digest, values hash, release): filled after each
 * install/upgrade from the release helm stored (what helm really applied) or from
 * `helm template`, so observe in steady state needs no helm process.
 */
export interface RenderKey {
  chartDigest: string;
  valuesHash: string;
  release: string;
  namespace: string;
}

function keyOf(k: RenderKey): string {
  return `${k.namespace}/${k.release}/${k.chartDigest}/${k.valuesHash}`;
}

/** A small LRU: one entry per live release is enough; old renders fall out. */
export class RenderCache {
  private readonly entries = new Map<string, string>();

  constructor(private readonly max = 256) {}

  get(key: RenderKey): string | undefined {
    const k = keyOf(key);
    const hit = this.entries.get(k);
    if (hit !== undefined) {
      this.entries.delete(k);
      this.entries.set(k, hit);
    }
    return hit;
  }

  set(key: RenderKey, manifest: string): void {
    const k = keyOf(key);
    this.entries.delete(k);
    this.entries.set(k, manifest);
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
