// The revision history of one user key, as generations. A generation runs from the put that creates the key to
// the tombstone that deletes it; the last generation is the open one (empty while the key does not exist).
// Invariants: revisions strictly increase across all generations; every generation except the last is
// non-empty and ends with its tombstone; `ver` counts every put of the generation, including compacted ones,
// so the version at revs[i] is ver - (revs.length - 1 - i).

import { assert } from '../../raft/assert.ts';
import { keyBytes } from './key-bytes.ts';
import { isReleased, Released } from './released.ts';
import { compareRevision, revisionId, type Revision } from './revision.ts';
import type { KeyValue } from './types.ts';

/** A closed generation: its puts, ending with the tombstone that closed it. */
class Generation {
  constructor(
    readonly ver: number,
    readonly created: Revision,
    public revs: Revision[],
  ) {}
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
// Shared by every key without closed generations (most) and by every empty open generation; never written to.
const NO_PAST: readonly Generation[] = Object.freeze([]);
/** Closed generations: none (NO_PAST), one (the Generation itself: most deleted keys, ~56 bytes less), or more. */
type Past = Generation | readonly Generation[];
const NO_REVS: Revision[] = Object.freeze([]) as unknown as Revision[];
/**
 * Stands for an open generation whose one indexed revision is `modified`: most keys of a large key space were
 * written once since the last compaction, and a one-element array costs ~56 bytes per key. Never written to.
 */
const ONE_REV: Revision[] = Object.freeze([]) as unknown as Revision[];
/**
 * Held in place of the latest key-value once its value is released, when it has no lease (most keys): every field
 * of it is the index's own (the open generation's first put, its latest revision and its count of puts), so
 * `current` makes the Released key-value when asked for, and a large key space holds no object per released key
 * (~70 bytes each). A released key-value with a lease is held as a Released object.
 */
const RELEASED_NO_LEASE: KeyValue = Object.freeze({ key: Buffer.alloc(0), value: Buffer.alloc(0), createRevision: 0, modRevision: 0, version: 0, lease: 0n });

function hitIn(revs: readonly Revision[], created: Revision, ver: number, atRev: number): IndexHit {
  let i = revs.length - 1;
  while (i >= 0 && revs[i].main > atRev) i--;
  assert(i >= 0, 'generation found without a revision at or below atRev');
  return { modified: revs[i], created, version: ver - (revs.length - 1 - i) };
}

/**
 * The open generation (the last one) lives in the key's own fields rather than in an object and an array of
 * generations: ~100 bytes less per key, and a large key space is mostly keys with one generation and one put.
 */
export class KeyIndex {
  /** Latest revision (put or tombstone) of the key. */
  modified: Revision = ZERO;
  /** The latest key-value while the key exists (see `current`), or RELEASED_NO_LEASE. */
  private latest: KeyValue | undefined = undefined;
  /** Closed generations, oldest first. */
  private past: Past = NO_PAST;
  /** The open generation: puts counted (compacted ones too), its first put, its puts still indexed (ONE_REV,
   *  NO_REVS or an array of two or more). */
  private ver = 0;
  private created: Revision = ZERO;
  private revs: Revision[] = NO_REVS;

  /** `name` is the key's bytes as a latin1 string (tree-index.ts); no Buffer is kept beside it. */
  constructor(readonly name: string) {}

  /**
   * The key's latest key-value while it exists: with its value (reads of the latest revision are served from
   * memory) or released (isReleased; its value is read back from the record at `at`). A released one is made anew
   * at each call when the index holds RELEASED_NO_LEASE: callers may keep it (an event's prevKv) as a snapshot.
   */
  get current(): KeyValue | undefined {
    const kv = this.latest;
    return kv === RELEASED_NO_LEASE ? new Released(this.name, this.created.main, this.modified.main, this.ver, 0n, this.modified) : kv;
  }

  set current(kv: KeyValue | undefined) {
    this.latest = kv;
  }

  /** Lets go of the latest value's bytes (resident-values.ts); a no-op when there is none or it is released. */
  release(): void {
    const kv = this.latest;
    if (kv === undefined || kv === RELEASED_NO_LEASE || isReleased(kv)) return;
    assert(
      kv.modRevision === this.modified.main && kv.createRevision === this.created.main && kv.version === this.ver,
      () => `latest key-value ${kv.modRevision}/${kv.createRevision}/${kv.version} out of step with the index ${this.modified.main}/${this.created.main}/${this.ver}`,
    );
    this.latest = kv.lease === 0n ? RELEASED_NO_LEASE : new Released(this.name, kv.createRevision, kv.modRevision, kv.version, kv.lease, this.modified);
  }

  /** The key's bytes: the latest value's own while it is in memory, else a copy made from the name. */
  get key(): Buffer {
    const kv = this.latest;
    return kv === undefined || kv === RELEASED_NO_LEASE || isReleased(kv) ? keyBytes(this.name) : kv.key;
  }

  /** The key exists at the latest revision. */
  get live(): boolean {
    return this.revs !== NO_REVS;
  }

  isEmpty(): boolean {
    return this.past === NO_PAST && this.revs === NO_REVS;
  }

  private pastList(): readonly Generation[] {
    return this.past instanceof Generation ? [this.past] : this.past;
  }

  /** The open generation's revisions as an array (a new one for ONE_REV). */
  private openRevs(): Revision[] {
    return this.revs === ONE_REV ? [this.modified] : this.revs;
  }

  put(rev: Revision): void {
    assert(compareRevision(rev, this.modified) > 0, () => `put at ${rev.main}.${rev.sub} not after ${this.modified.main}`);
    // Short histories get arrays of their own size: push() (and a spread) reserve 17 spare slots, ~136 bytes per
    // key, and most keys of a large key space are written once or twice between compactions (a put, then the
    // tombstone of a DeleteRange). Longer ones grow by push(), amortized.
    if (this.revs === NO_REVS) {
      this.created = rev;
      this.revs = ONE_REV;
    } else if (this.revs === ONE_REV) this.revs = [this.modified, rev];
    else if (this.revs.length < EXACT_REVS_MAX) this.revs = this.revs.concat(rev);
    else this.revs.push(rev);
    this.ver++;
    this.modified = rev;
  }

  /** Starts the index from a revision found on disk whose earlier history may be compacted away. */
  restore(created: Revision, modified: Revision, version: number): void {
    assert(this.isEmpty(), 'restore into a non-empty key index');
    this.ver = version;
    this.created = created;
    this.revs = ONE_REV;
    this.modified = modified;
  }

  tombstone(rev: Revision): void {
    assert(this.live, 'tombstone of a key that does not exist');
    this.put(rev); // two revisions or more now: an array
    const closed = new Generation(this.ver, this.created, this.revs);
    this.past = this.past === NO_PAST ? closed : [...this.pastList(), closed]; // exact size
    this.ver = 0;
    this.created = ZERO;
    this.revs = NO_REVS;
  }

  get(atRev: number): IndexHit | undefined {
    const open = this.revs;
    if (open === ONE_REV) {
      if (this.modified.main <= atRev) return { modified: this.modified, created: this.created, version: this.ver };
    } else if (open.length > 0 && open[0].main <= atRev) return hitIn(open, this.created, this.ver, atRev);
    const past = this.past;
    if (past instanceof Generation) {
      const revs = past.revs; // deleted by then, or not yet created: undefined
      return revs[revs.length - 1].main <= atRev || revs[0].main > atRev ? undefined : hitIn(revs, past.created, past.ver, atRev);
    }
    for (let i = past.length - 1; i >= 0; i--) {
      const g = past[i];
      if (g.revs[g.revs.length - 1].main <= atRev) return undefined; // deleted by then
      if (g.revs[0].main <= atRev) return hitIn(g.revs, g.created, g.ver, atRev);
    }
    return undefined;
  }

  /**
   * Drops history that no read at a revision >= atRev can need: for the key's state at atRev only the latest
   * put at or below atRev survives (recorded in keep); tombstones at or below atRev and everything older go.
   * Returns true when nothing is left, so the caller can drop the key.
   */
  compact(atRev: number, keep: Set<string>): boolean {
    const past = this.pastList();
    let gi = 0;
    while (gi < past.length) {
      const revs = past[gi].revs;
      if (revs[revs.length - 1].main > atRev) break;
      gi++;
    }
    const g = gi < past.length ? past[gi] : undefined;
    const revs = g?.revs ?? this.openRevs();
    let i = revs.length - 1;
    while (i >= 0 && revs[i].main > atRev) i--;
    if (i >= 0) {
      const kept = revs.slice(i);
      if (g !== undefined) g.revs = kept;
      else this.revs = kept.length === 1 ? ONE_REV : kept; // the one kept is the latest: `modified`
      keep.add(revisionId(kept[0]));
    }
    if (gi > 0) this.past = gi === past.length ? NO_PAST : gi === past.length - 1 ? past[gi] : past.slice(gi);
    return this.isEmpty();
  }

  /** All revisions still indexed, oldest first, with whether each is a tombstone. */
  *revisions(): IterableIterator<{ rev: Revision; tombstone: boolean }> {
    for (const g of this.pastList()) {
      for (let i = 0; i < g.revs.length; i++) yield { rev: g.revs[i], tombstone: i === g.revs.length - 1 };
    }
    for (const rev of this.openRevs()) yield { rev, tombstone: false };
  }
}
