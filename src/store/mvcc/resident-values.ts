// Which keys' latest values stay in memory. Every live key keeps its latest KeyValue in the index (revisions,
// version, lease), but only the most recently written values, up to a byte budget, keep their bytes: the others
// are released and read back from disk (or from the records not yet flushed) when asked for. Without a bound a
// member's memory grew with the number of live keys times their value size (etcdctl check perf --load=l writes
// ~100,000 fresh 1 KiB keys in a minute); etcd itself reads values from its database file.
//
// Releasing is KeyIndex.release(). A released key-value also stands in as an event's prevKv, as etcd reads a watcher's previous values lazily: the
// watch hub reads it back only for the watchers that asked for prev_kv (WatchSource.readBack), so deleting many
// released keys reads nothing.
import type { KeyIndex } from './key-index.ts';

export const RESIDENT_VALUE_BYTES_DEFAULT = 32 * 1024 * 1024;

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
      oldest.release();
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
