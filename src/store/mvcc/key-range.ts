// etcd's range_end conventions turned into one internal shape, and the interval tests built on it.

import type { KeyRange } from './types.ts';
export { prefixEnd } from '../../common/key-prefix.ts';

/** Empty range_end: the one key. "\0": every key >= key. Otherwise [key, rangeEnd). */
export function toKeyRange(key: Buffer, rangeEnd: Buffer | undefined): KeyRange {
  if (rangeEnd === undefined || rangeEnd.length === 0) return { key, end: undefined };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { key, end: null };
  return { key, end: rangeEnd };
}

export function rangeContains(range: KeyRange, key: Buffer): boolean {
  if (range.end === undefined) return range.key.equals(key);
  if (Buffer.compare(key, range.key) < 0) return false;
  return range.end === null || Buffer.compare(key, range.end) < 0;
}

