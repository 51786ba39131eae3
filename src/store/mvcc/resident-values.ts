// Which keys' latest values stay in memory. Every live key keeps its latest KeyValue in the index (revisions,
// version, lease), but only the most recently written values, up to a byte budget, keep their bytes: the others
// are released and read back from disk (or from the records not yet flushed) when asked for. Without a bound a
// member's memory grew with the number of live keys times their value size (etcdctl check perf --load=l writes
// ~100,000 fresh 1 KiB keys in a minute); etcd itself reads values from its database file.
//
// A released key-value also stands in as an event's prevKv, as etcd reads a watcher's previous values lazily: the
// watch hub reads it back only for the watchers that asked for prev_kv (WatchSource.readBack), so deleting many
// released keys reads nothing.
import { keyBytes, type KeyIndex } from './key-index.ts';
import type { Revision } from './revision.ts';
import type { KeyValue } from './types.ts';

/** Stands for a released value; only ever compared by identity (isReleased), never handed out. */
const RELEASED: Buffer = Buffer.from('<released>');

export const RESIDENT_VALUE_BYTES_DEFAULT = 32 * 1024 * 1024;

/** A key-value without its value's bytes; `at` is the revision of its record (main and sub). */
export interface ReleasedKeyValue extends KeyValue {
  readonly at: Revision;
}

/**
 * One shape for every released key-value, and no Buffer of its own: the key is copied from the index's name when
 * asked for (rarely: a released value is read back from its record, which holds the key). A spread
 * `{ ...kv, value, at }` gave every stub a hidden class of its own, ~500 bytes each (heap snapshot of a member
 * after 100,000 fresh keys: 67,232 maps with their descriptor arrays).
 */
class Released implements ReleasedKeyValue {
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lease: bigint;

  constructor(
    private readonly name: string,
    kv: KeyValue,
    readonly at: Revision,
  ) {
    this.createRevision = kv.createRevision;
    this.modRevision = kv.modRevision;
    this.version = kv.version;
    this.lease = kv.lease;
  }

  get key(): Buffer {
    return keyBytes(this.name);
  }

  get value(): Buffer {
    return RELEASED;
  }
}

export function isReleased(kv: KeyValue): kv is ReleasedKeyValue {
  return kv.value === RELEASED;
}

export class ResidentValues {
  /** Keys holding their value's bytes, least recently written first, with those bytes' size. */
  private readonly held = new Map<KeyIndex, number>();
  private heldBytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get bytes(): number {
    return this.heldBytes;
  }

  /** `ki.current` was just set (a write, or loading): it holds its bytes, and the oldest may be released. */
  wrote(ki: KeyIndex): void {
    this.forget(ki);
    const size = ki.current?.value.length ?? 0;
    this.held.set(ki, size);
    this.heldBytes += size;
    for (const [oldest, bytes] of this.held) {
      if (this.heldBytes <= this.budgetBytes) break;
      this.held.delete(oldest);
      this.heldBytes -= bytes;
      const kv = oldest.current;
      if (kv === undefined) continue;
      if (!isReleased(kv)) oldest.current = new Released(oldest.name, kv, oldest.modified);
    }
  }

  /** The key no longer has a value (deleted). */
  forget(ki: KeyIndex): void {
    const bytes = this.held.get(ki);
    if (bytes === undefined) return;
    this.held.delete(ki);
    this.heldBytes -= bytes;
  }

  clear(): void {
    this.held.clear();
    this.heldBytes = 0;
  }
}
