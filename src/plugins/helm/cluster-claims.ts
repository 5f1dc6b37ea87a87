/**
 * Which releases the helm worker keeps each target cluster's clients for. The worker holds a
 * cluster's REST config, connections, discovery and OpenAPI models per kubeconfig it was sent
 * (worker/cluster.go); once the last release spe ran helm for on that kubeconfig is
 * uninstalled (or orphaned, or moved to another kubeconfig), nothing needs them any more and
 * the worker is told to let them go.
 */
export class ClusterClaims {
  /** release id → the kubeconfig text its last helm operation used */
  private readonly byRelease = new Map<string, string>();
  /** kubeconfig text → releases claiming it */
  private readonly counts = new Map<string, number>();

  /** `release` runs helm with `kubeconfig`; answers a kubeconfig nobody claims any more, if the release moved off it. */
  claim(release: string, kubeconfig: string): string | undefined {
    const previous = this.byRelease.get(release);
    if (previous === kubeconfig) return undefined;
    this.byRelease.set(release, kubeconfig);
    this.counts.set(kubeconfig, (this.counts.get(kubeconfig) ?? 0) + 1);
    return previous === undefined ? undefined : this.unclaim(previous);
  }

  /** `release` needs helm no more; answers its kubeconfig if nobody claims it any more. */
  drop(release: string): string | undefined {
    const kubeconfig = this.byRelease.get(release);
    if (kubeconfig === undefined) return undefined;
    this.byRelease.delete(release);
    return this.unclaim(kubeconfig);
  }

  private unclaim(kubeconfig: string): string | undefined {
    const left = (this.counts.get(kubeconfig) ?? 0) - 1;
    if (left > 0) {
      this.counts.set(kubeconfig, left);
      return undefined;
    }
    this.counts.delete(kubeconfig);
    return kubeconfig;
  }

  get size(): number {
    return this.counts.size;
  }
}
