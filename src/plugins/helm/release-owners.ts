/** Which releases each API object uses, so that what is kept of them is forgotten with it. */
import type { OwnerRef } from "../types.js";

function ownerKey(owner: OwnerRef): string {
  return `${owner.provider}/${owner.namespace}/${owner.name}`;
}

export class ReleaseOwners {
  /** provider/namespace/name → release ids */
  private readonly owners = new Map<string, Set<string>>();

  add(owner: OwnerRef, release: string): void {
    const key = ownerKey(owner);
    let ids = this.owners.get(key);
    if (!ids) {
      ids = new Set();
      this.owners.set(key, ids);
    }
    ids.add(release);
  }

  /** The releases `owner` used; it is forgotten. */
  take(owner: OwnerRef): ReadonlySet<string> {
    const key = ownerKey(owner);
    const ids = this.owners.get(key) ?? new Set<string>();
    this.owners.delete(key);
    return ids;
  }

  get size(): number {
    return this.owners.size;
  }
}
