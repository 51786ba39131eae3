// A key's bytes from its index name (tree-index.ts: the key as a latin1 string), made when asked for.

/** A key's bytes in a memory block of their own (see ownedCopy in store.ts: no shared pool slab is pinned). */
export function keyBytes(name: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(name.length);
  bytes.write(name, 'latin1');
  return bytes;
}
