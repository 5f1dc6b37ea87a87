/**
 * One metadata-only watch of a set of objects on a target (kind, namespace, label selector:
 * a plugin's records), shared by every owner that asked for part of it. Owners ask by label
 * values (a WatchSpec's `labels`); the objects are grouped by the label keys owners ask with,
 * so a lookup, and the wake after a change, touch one group and not the whole set.
 */
import type { Logger } from "pino";
import type { KubeConfig } from "../../kube/kubeconfig.js";
import type { ListedObject, WatchSpec } from "../../plugins/types.js";
import type { Informer } from "./informer.js";
import { informerFor } from "./kube-informer.js";
import { LazyInformer } from "./lazy-informer.js";
import { summarizeMetadata, type MetadataSummary } from "./watch-summary.js";

type Labels = Readonly<Record<string, string>>;

/** `a=1,b=2` (keys sorted): a group's id, which reads as the equality selector it stands for. */
export function groupId(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ""}`)
    .join(",");
}

/** The group of `keys` an object with these labels belongs to; undefined when it lacks a key. */
function groupOf(labels: Labels | undefined, keys: readonly string[]): string | undefined {
  const picked: Record<string, string> = {};
  for (const k of keys) {
    const value = labels?.[k];
    if (value === undefined) return undefined;
    picked[k] = value;
  }
  return groupId(picked);
}

/** The watched objects grouped by the values of some label keys. */
class Grouping {
  private readonly groups = new Map<string, Map<string, MetadataSummary>>();

  constructor(private readonly keys: readonly string[]) {}

  get(group: string): Iterable<MetadataSummary> {
    return this.groups.get(group)?.values() ?? [];
  }

  put(s: MetadataSummary): string | undefined {
    const group = groupOf(s.metadata.labels, this.keys);
    const name = s.metadata.name;
    if (group === undefined || !name) return undefined;
    let members = this.groups.get(group);
    if (!members) {
      members = new Map();
      this.groups.set(group, members);
    }
    members.set(name, s);
    return group;
  }

  drop(s: MetadataSummary): string | undefined {
    const group = groupOf(s.metadata.labels, this.keys);
    const name = s.metadata.name;
    if (group === undefined || !name) return undefined;
    const members = this.groups.get(group);
    members?.delete(name);
    if (members?.size === 0) this.groups.delete(group);
    return group;
  }
}

function listed(s: MetadataSummary): ListedObject {
  return {
    name: s.metadata.name ?? "",
    resourceVersion: s.metadata.resourceVersion ?? "",
    labels: s.metadata.labels ?? {},
  };
}

export class CollectionWatch {
  readonly informer: LazyInformer<MetadataSummary>;
  /** The informer once created (before it has listed), to fill a new grouping from. */
  private store: Informer<MetadataSummary> | undefined;
  /** By the label keys owners ask with, joined. */
  private readonly groupings = new Map<string, Grouping>();

  constructor(options: {
    target: KubeConfig;
    spec: Omit<WatchSpec, "labels">;
    /** Told the id (groupId) of each group an event changed. */
    changed: (group: string) => void;
    /** For log lines. */
    cluster: string;
    logger?: Logger;
    watchIdleMs?: number;
    /** Told when the apiserver refuses the watch (Informer's onRefused). */
    refused?: () => void;
  }) {
    const { target, spec, changed, logger, watchIdleMs, refused } = options;
    const notify = (...steps: ((g: Grouping) => string | undefined)[]): void => {
      const groups = new Set<string>();
      for (const g of this.groupings.values())
        for (const step of steps) {
          const group = step(g);
          if (group !== undefined) groups.add(group);
        }
      for (const group of groups) changed(group);
    };
    this.informer = new LazyInformer<MetadataSummary>(
      async () => {
        const inf = await informerFor<MetadataSummary>(target, spec, {
          namespace: spec.namespace,
          labelSelector: spec.labelSelector,
          metadataOnly: true,
          transform: summarizeMetadata,
          ...(watchIdleMs === undefined ? {} : { watchIdleMs }),
          ...(refused ? { onRefused: refused } : {}),
          ...(logger ? { logger } : {}),
        });
        inf.addHandlers({
          add: (s) => {
            notify((g) => g.put(s));
          },
          update: (s, previous) => {
            notify(
              (g) => (previous ? g.drop(previous) : undefined),
              (g) => g.put(s),
            );
          },
          delete: (s) => {
            notify((g) => g.drop(s));
          },
        });
        this.store = inf;
        return inf;
      },
      {
        cluster: options.cluster,
        kind: spec.kind,
        namespace: spec.namespace,
        labelSelector: spec.labelSelector,
      },
      logger,
    );
  }

  /**
   * Groups the objects by these labels' keys from now on, so changes to the group wake its
   * owners; call before the group's owners are told anything of it.
   */
  watchGroup(labels: Labels): void {
    const keys = Object.keys(labels).sort();
    const id = keys.join(",");
    if (this.groupings.has(id)) return;
    const grouping = new Grouping(keys);
    for (const s of this.store?.list() ?? []) grouping.put(s);
    this.groupings.set(id, grouping);
  }

  /** The objects with these label values, or undefined while the watch has not listed. */
  list(labels: Labels): ListedObject[] | undefined {
    this.watchGroup(labels);
    if (!this.informer.ready()) return undefined;
    const grouping = this.groupings.get(Object.keys(labels).sort().join(","));
    return [...(grouping?.get(groupId(labels)) ?? [])].map(listed);
  }
}
