// The ordered in-memory index from user key to KeyIndex. Range reads walk it in key order; the values live on
// disk (history) or in KeyIndex.current (latest).

import * as sortedBtree from 'sorted-btree';
import { KeyIndex, type IndexHit } from './key-index.ts';
import type { Revision } from './revision.ts';
import type { KeyRange } from './types.ts';

// sorted-btree is CommonJS with a default export: Node's ESM loader wraps it once more than bundlers do.
type BTreeClass<K, V> = sortedBtree.default<K, V>;
type BTreeCtor = typeof sortedBtree.default.default;
const interop = sortedBtree as unknown as { default: BTreeCtor | { default: BTreeCtor } };
const BTree: BTreeCtor = typeof interop.default === 'function' ? interop.default : interop.default.default;

/**
 * Keys are held as latin1 strings, one character per byte, so that string order is byte order. One string serves
 * the tree, the exact-key map and the KeyIndex: a Buffer per key (its object, its ArrayBuffer and its separately
 * allocated bytes) cost ~500 bytes of a member's memory per key beside the string's ~270 (256-byte keys).
 */
const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function keyName(key: Buffer): string {
  return key.toString('latin1');
}

export class TreeIndex {
  private readonly tree: BTreeClass<string, KeyIndex> = new BTree<string, KeyIndex>(undefined, compareNames);
  /**
   * The same key indexes by exact key: a put, a get of one key and a compare look up one key, which in the tree
   * costs a dozen string compares on long common prefixes; here one hash of the key.
   */
  private readonly byKey = new Map<string, KeyIndex>();

  get size(): number {
    return this.tree.size;
  }

  keyIndex(key: Buffer): KeyIndex | undefined {
    return this.byKey.get(keyName(key));
  }

  /** The key's index, created (empty) when the key is new. */
  ensure(key: Buffer): KeyIndex {
    const name = keyName(key);
    let ki = this.byKey.get(name);
    if (ki === undefined) {
      ki = new KeyIndex(name);
      this.tree.set(name, ki);
      this.byKey.set(name, ki);
    }
    return ki;
  }

  /** Rebuilds from one on-disk record (oldest first); a tombstone for an unknown key is compacted history. */
  restoreRecord(key: Buffer, rev: Revision, tombstone: boolean, created: Revision, version: number): KeyIndex | undefined {
    const ki = this.keyIndex(key);
    if (ki === undefined || !ki.live) {
      if (tombstone) return ki;
      const fresh = ki ?? this.ensure(key);
      if (fresh.isEmpty()) fresh.restore(created, rev, version);
      else fresh.put(rev);
      return fresh;
    }
    if (tombstone) ki.tombstone(rev);
    else ki.put(rev);
    return ki;
  }

  get(key: Buffer, atRev: number): IndexHit | undefined {
    return this.keyIndex(key)?.get(atRev);
  }

  /** Key indexes in [range.key, range.end) in key order (end undefined: the one key; null: unbounded). */
  *keyIndexes(range: KeyRange): IterableIterator<KeyIndex> {
    if (range.end === undefined) {
      const ki = this.keyIndex(range.key);
      if (ki !== undefined) yield ki;
      return;
    }
    const end = range.end === null ? null : keyName(range.end);
    for (const [name, ki] of this.tree.entries(keyName(range.key))) {
      if (end !== null && name >= end) return;
      yield ki;
    }
  }

  /** Keys existing at atRev in the range, in key order, with their index facts. */
  *range(range: KeyRange, atRev: number): IterableIterator<{ ki: KeyIndex; hit: IndexHit }> {
    for (const ki of this.keyIndexes(range)) {
      const hit = ki.get(atRev);
      if (hit !== undefined) yield { ki, hit };
    }
  }

  /** Compacts every key at atRev; returns the ids of the revisions at or below atRev that must stay on disk. */
  compact(atRev: number): Set<string> {
    const keep = new Set<string>();
    const emptied: string[] = [];
    for (const [name, ki] of this.tree.entries()) {
      if (ki.compact(atRev, keep)) emptied.push(name);
    }
    for (const name of emptied) {
      this.tree.delete(name);
      this.byKey.delete(name);
    }
    return keep;
  }

  clear(): void {
    this.tree.clear();
    this.byKey.clear();
  }
}
