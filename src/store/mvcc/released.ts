// A key's latest key-value whose value's bytes are not in memory (resident-values.ts decides which): the value is
// read back from the record written at `at` when asked for (MvccStore.readBack).
import { keyBytes } from './key-bytes.ts';
import type { Revision } from './revision.ts';
import type { KeyValue } from './types.ts';

/** Stands for a released value; only ever compared by identity (isReleased), never handed out. */
const RELEASED: Buffer = Buffer.from('<released>');

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
export class Released implements ReleasedKeyValue {
  constructor(
    private readonly name: string,
    readonly createRevision: number,
    readonly modRevision: number,
    readonly version: number,
    readonly lease: bigint,
    readonly at: Revision,
  ) {}

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
