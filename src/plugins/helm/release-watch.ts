/**
 * helm's release records as the engine's watches see them: the storage Secrets of a release
 * (labels `owner=helm`, `name=<release>`), watched metadata-only through the TargetCache, one
 * watch per namespace shared by every release in it.
 */
import type { ListedObject, TargetCache, WatchSpec } from "../types.js";

/** The latest revision of a helm release as the watch of its storage Secrets last saw it. */
export interface WatchedRelease {
  /** The storage Secret of the latest revision, `sh.helm.release.v1.<name>.v<revision>`. */
  secretName: string;
  resourceVersion: string;
  labels: Readonly<Record<string, string>>;
}

/** The storage Secrets of one release. */
export function releaseSecrets(namespace: string, name: string): WatchSpec {
  return { apiVersion: "v1", kind: "Secret", namespace, labelSelector: "owner=helm", labels: { name } };
}

/** The latest revision among a release's storage Secrets (by their `version` label). */
export function latestOf(secrets: Iterable<ListedObject>): WatchedRelease | undefined {
  let best: ListedObject | undefined;
  let bestVersion = -1;
  for (const s of secrets) {
    const version = Number(s.labels.version ?? -1);
    if (version > bestVersion) {
      best = s;
      bestVersion = version;
    }
  }
  if (!best) return undefined;
  return { secretName: best.name, resourceVersion: best.resourceVersion, labels: best.labels };
}

/** The latest revision as watched; undefined when the watch has not listed, or shows none. */
export function watchedRelease(
  cache: TargetCache,
  namespace: string,
  name: string,
): WatchedRelease | undefined {
  return latestOf(cache.list(releaseSecrets(namespace, name)) ?? []);
}

/** The watch has listed the namespace's release Secrets and holds none of this release. */
export function releaseAbsent(cache: TargetCache | undefined, namespace: string, name: string): boolean {
  return cache?.list(releaseSecrets(namespace, name))?.length === 0;
}
