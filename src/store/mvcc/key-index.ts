// The revision history of one user key, as generations. A generation runs from the put that creates the key to
// the tombstone that deletes it; the last generation is the open one (empty while the key does not exist).
// Invariants: revisions strictly increase across all generations; every generation except the last is
// non-empty and ends with its tombstone; `ver` counts every put of the generation, including compacted ones,
// so the version at revs[i] is ver - (revs.length - 1 - i).

import { assert } from '../../raft/assert.ts';
import { compareRevision, revisionId, type Revision } from './revision.ts';
import type { KeyValue } from './types.ts';

/** A key's bytes in a memory block of their own (see ownedCopy in store.ts: no shared pool slab is pinned). */
export function keyBytes(name: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(name.length);
  bytes.write(name, 'latin1');
  return bytes;
}

export interface Generation {
  ver: number;
  created: Revision;
  revs: Revision[];
}

/** What the index knows of a key at a revision. */
export interface IndexHit {
  modified: Revision;
  created: Revision;
  version: number;
}

const ZERO: Revision = { main: 0, sub: 0 };
/** Revisions of a generation kept in an exactly sized array; past this many, the array grows by push(). */
const EXACT_REVS_MAX = 8;

export class KeyIndex {
  /** Latest revision (put or tombstone) of the key. */
  modified: Revision = ZERO;
  generations: Generation[] = [{ ver: 0, created: ZERO, revs: [] }];
  /** The key's latest value while it exists: reads of the latest revision are served from memory. */
  current: KeyValue | undefined = undefined;

  /** `name` is the key's bytes as a latin1 string (tree-index.ts); no Buffer is kept beside it. */
  constructor(readonly name: string) {}

  /** The key's bytes: the latest value's own while there is one, else a copy made from the name. */
  get key(): Buffer {
    return this.current?.key ?? keyBytes(this.name);
  }

  private get open(): Generation {
    return this.generations[this.generations.length - 1];
  }

  /** The key exists at the latest revision. */
  get live(): boolean {
    return this.open.revs.length > 0;
  }

  isEmpty(): boolean {
    return this.generations.length === 1 && this.open.revs.length === 0;
  }

  put(rev: Revision): void {
    assert(compareRevision(rev, this.modified) > 0, () => `put at ${rev.main}.${rev.sub} not after ${this.modified.main}`);
    const g = this.open;
    // Short histories get arrays of their own size: push() (and a spread) reserve 17 spare slots, ~136 bytes per
    // key, and most keys of a large key space are written once or twice between compactions (a put, then the
    // tombstone of a DeleteRange). Longer ones grow by push(), amortized.
    if (g.revs.length === 0) {
      g.created = rev;
      g.revs = [rev];
    } else if (g.revs.length < EXACT_REVS_MAX) g.revs = g.revs.concat(rev);
    else g.revs.push(rev);
    g.ver++;
    this.modified = rev;
  }

  /** Starts the index from a revision found on disk whose earlier history may be compacted away. */
  restore(created: Revision, modified: Revision, version: number): void {
    assert(this.isEmpty(), 'restore into a non-empty key index');
    this.generations = [{ ver: version, created, revs: [modified] }];
    this.modified = modified;
  }

  tombstone(rev: Revision): void {
    assert(this.live, 'tombstone of a key that does not exist');
    this.put(rev);
    this.generations = this.generations.concat({ ver: 0, created: ZERO, revs: [] }); // exact size, as in put()
  }

  /** The generation holding the key's state at main revision atRev, or undefined when it did not exist. */
  private findGeneration(atRev: number): Generation | undefined {
    const last = this.generations.length - 1;
    for (let i = last; i >= 0; i--) {
      const g = this.generations[i];
      if (g.revs.length === 0) continue;
      if (i !== last && g.revs[g.revs.length - 1].main <= atRev) return undefined; // deleted by then
      if (g.revs[0].main <= atRev) return g;
    }
    return undefined;
  }

  get(atRev: number): IndexHit | undefined {
    const g = this.findGeneration(atRev);
    if (g === undefined) return undefined;
    let i = g.revs.length - 1;
    while (i >= 0 && g.revs[i].main > atRev) i--;
    assert(i >= 0, 'generation found without a revision at or below atRev');
    return { modified: g.revs[i], created: g.created, version: g.ver - (g.revs.length - 1 - i) };
  }

  /**
   * Drops history that no read at a revision >= atRev can need: for the key's state at atRev only the latest
   * put at or below atRev survives (recorded in keep); tombstones at or below atRev and everything older go.
   * Returns true when nothing is left, so the caller can drop the key.
   */
  compact(atRev: number, keep: Set<string>): boolean {
    let gi = 0;
    while (gi < this.generations.length - 1) {
      const g = this.generations[gi];
      if (g.revs[g.revs.length - 1].main > atRev) break;
      gi++;
    }
    const g = this.generations[gi];
    let i = g.revs.length - 1;
    while (i >= 0 && g.revs[i].main > atRev) i--;
    if (i >= 0) {
      g.revs = g.revs.slice(i);
      keep.add(revisionId(g.revs[0]));
    }
    this.generations = this.generations.slice(gi);
    return this.isEmpty();
  }

  /** All revisions still indexed, oldest first, with whether each is a tombstone. */
  *revisions(): IterableIterator<{ rev: Revision; tombstone: boolean }> {
    const last = this.generations.length - 1;
    for (let gi = 0; gi <= last; gi++) {
      const revs = this.generations[gi].revs;
      for (let i = 0; i < revs.length; i++) yield { rev: revs[i], tombstone: gi !== last && i === revs.length - 1 };
    }
  }
}
