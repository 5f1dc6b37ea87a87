/**
 * Which API objects (queue keys) care about which watched things (ids), both ways: a change
 * of a watched thing wakes exactly the API objects that care about it. Each id belongs to a
 * group (the watch it is seen through); a group nobody cares about any id of is one whose
 * watch can stop.
 */
export class OwnerIndex {
  /** watched id → owner keys */
  private readonly owners = new Map<string, Set<string>>();
  /** owner key → watched ids */
  private readonly owned = new Map<string, Set<string>>();
  /** group → how many of its ids someone cares about */
  private readonly groups = new Map<string, number>();

  constructor(private readonly groupOf: (id: string) => string = () => "") {}

  /** Adds to what `owner` cares about. */
  add(owner: string, id: string): void {
    let ids = this.owned.get(owner);
    if (!ids) {
      ids = new Set();
      this.owned.set(owner, ids);
    }
    ids.add(id);
    let keys = this.owners.get(id);
    if (!keys) {
      keys = new Set();
      this.owners.set(id, keys);
      const group = this.groupOf(id);
      this.groups.set(group, (this.groups.get(group) ?? 0) + 1);
    }
    keys.add(owner);
  }

  /** Replaces what `owner` cares about; returns the ids nobody cares about any more. */
  set(owner: string, ids: Iterable<string>): string[] {
    const orphaned = this.remove(owner);
    for (const id of ids) this.add(owner, id);
    return orphaned.filter((id) => !this.owners.has(id));
  }

  /** Forgets `owner`; returns the ids nobody cares about any more. */
  remove(owner: string): string[] {
    const orphaned: string[] = [];
    for (const id of this.owned.get(owner) ?? []) {
      const keys = this.owners.get(id);
      keys?.delete(owner);
      if (keys?.size === 0) {
        this.owners.delete(id);
        this.release(this.groupOf(id));
        orphaned.push(id);
      }
    }
    this.owned.delete(owner);
    return orphaned;
  }

  ownersOf(id: string): ReadonlySet<string> {
    return this.owners.get(id) ?? EMPTY;
  }

  /** Everyone who cares about an id of `group` (a scan: for rare events such as a watch refused). */
  ownersIn(group: string): Set<string> {
    const found = new Set<string>();
    for (const [id, keys] of this.owners) if (this.groupOf(id) === group) for (const k of keys) found.add(k);
    return found;
  }

  /** Whether anyone cares about an id of `group`. */
  inUse(group: string): boolean {
    return this.groups.has(group);
  }

  /** Owners known (for tests and diagnostics). */
  get size(): number {
    return this.owned.size;
  }

  private release(group: string): void {
    const left = (this.groups.get(group) ?? 0) - 1;
    if (left > 0) this.groups.set(group, left);
    else this.groups.delete(group);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
