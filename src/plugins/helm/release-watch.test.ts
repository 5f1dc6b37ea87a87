import { describe, expect, it } from "vitest";
import type { ListedObject, TargetCache, WatchSpec } from "../types.js";
import { latestOf, releaseAbsent, releaseSecrets, watchedRelease } from "./release-watch.js";

const secret = (name: string, version: number, rv: string): ListedObject => ({
  name,
  resourceVersion: rv,
  labels: { owner: "helm", name: "r", version: String(version) },
});

/** A cache that has listed these storage Secrets (or not listed yet: undefined). */
function listing(secrets: ListedObject[] | undefined, asked: WatchSpec[] = []): TargetCache {
  return {
    object: () => undefined,
    list: (spec) => {
      asked.push(spec);
      return secrets;
    },
    deleted: () => false,
    verify: () => undefined,
    verifyWritten: () => undefined,
    verified: () => undefined,
  };
}

describe("release records as watched", () => {
  it("are the release's storage Secrets, one watch per namespace", () => {
    expect(releaseSecrets("ns", "r")).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "ns",
      labelSelector: "owner=helm",
      labels: { name: "r" },
    });
  });

  it("the latest revision is the one with the highest version label", () => {
    const all = [secret("s.v2", 2, "9"), secret("s.v10", 10, "4"), secret("s.v9", 9, "8")];
    expect(latestOf(all)).toMatchObject({ secretName: "s.v10", resourceVersion: "4" });
    expect(latestOf([])).toBeUndefined();
    const asked: WatchSpec[] = [];
    expect(watchedRelease(listing(all, asked), "ns", "r")).toMatchObject({ secretName: "s.v10" });
    expect(asked).toEqual([releaseSecrets("ns", "r")]);
  });

  it("a release is absent only when the watch has listed and shows none of it", () => {
    expect(releaseAbsent(listing([]), "ns", "r")).toBe(true);
    expect(releaseAbsent(listing(undefined), "ns", "r")).toBe(false);
    expect(releaseAbsent(listing([secret("s.v1", 1, "1")]), "ns", "r")).toBe(false);
    expect(releaseAbsent(undefined, "ns", "r")).toBe(false);
  });
});
