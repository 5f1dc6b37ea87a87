/**
 * Which API objects (queue keys) care about which watched things (ids), both ways: a change
 * of a watched thing wakes exactly the API objects that care about it.
 */
export class OwnerIndex {
  /** watched id → owner keys */
  private readonly owners = new Map<string, Set<string>>();
  /** owner key → watched ids */
  private readonly owned = new Map<string, Set<string>>();

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
        orphaned.push(id);
      }
    }
    this.owned.delete(owner);
    return orphaned;
  }

  ownersOf(id: string): ReadonlySet<string> {
    return this.owners.get(id) ?? EMPTY;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
