/**
 * The platform objects a reconcile's plugins read (a helm chart's credentials Secret, its CA
 * bundle): read from the engine's reference watch when it holds them, else through the API,
 * and remembered, so the reconcile can watch them afterwards (a rotated Secret wakes it).
 */
import type { KubeObject } from "../../descriptor/index.js";
import type { ObjectRef, PlatformRef } from "../../plugins/types.js";

export type PlatformReader = (ref: PlatformRef) => Promise<KubeObject | undefined>;

export class PlatformReads {
  private readonly seen = new Map<string, ObjectRef>();

  constructor(private readonly reader: PlatformReader) {}

  /** The reader plugins get (UnitScope.platform). */
  readonly read = (ref: PlatformRef): Promise<KubeObject | undefined> => {
    this.seen.set(`${ref.kind}/${ref.namespace}/${ref.name}`, { ...ref });
    return this.reader(ref);
  };

  /** What was read so far, also what turned out to be absent (its creation should wake the object too). */
  refs(): ObjectRef[] {
    return [...this.seen.values()];
  }
}
