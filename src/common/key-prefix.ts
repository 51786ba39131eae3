// etcd's prefix convention, shared by the store, its clients and the bench: [prefix, prefixEnd(prefix)) is
// every key that starts with prefix.

/** The smallest key greater than every key with this prefix, or "\0" (unbounded) when there is none. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
