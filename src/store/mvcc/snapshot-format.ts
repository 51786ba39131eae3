// The byte form of a whole-database snapshot, for shipping to a lagging member: a magic, then each record as
// (u32 key length, key, u32 value length, value), then the CRC-32C of everything before it.

import { assert } from '../../raft/assert.ts';
import { Crc32c } from './codec.ts';

const SNAPSHOT_MAGIC = Buffer.from('barque-mvcc-1');

export async function encodeSnapshot(entries: AsyncIterable<[Buffer, Buffer]>): Promise<Buffer> {
  const parts: Buffer[] = [SNAPSHOT_MAGIC];
  for await (const [k, v] of entries) {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(k.length, 0);
    const mid = Buffer.allocUnsafe(4);
    mid.writeUInt32BE(v.length, 0);
    parts.push(head, k, mid, v);
  }
  const body = Buffer.concat(parts);
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32BE(new Crc32c().update(body).digest(), 0);
  return Buffer.concat([body, trailer]);
}

/** Checks the whole snapshot before returning any record, so a bad one is refused before anything changes. */
export function decodeSnapshot(data: Buffer): Array<[Buffer, Buffer]> {
  assert(data.length >= SNAPSHOT_MAGIC.length + 4, 'snapshot too short');
  assert(data.subarray(0, SNAPSHOT_MAGIC.length).equals(SNAPSHOT_MAGIC), 'not an mvcc snapshot');
  const bodyEnd = data.length - 4;
  assert(new Crc32c().update(data.subarray(0, bodyEnd)).digest() === data.readUInt32BE(bodyEnd), 'snapshot checksum mismatch');
  const entries: Array<[Buffer, Buffer]> = [];
  let at = SNAPSHOT_MAGIC.length;
  while (at < bodyEnd) {
    assert(at + 4 <= bodyEnd, 'snapshot framing overruns');
    const kl = data.readUInt32BE(at);
    const key = data.subarray(at + 4, at + 4 + kl);
    at += 4 + kl;
    assert(at + 4 <= bodyEnd, 'snapshot framing overruns');
    const vl = data.readUInt32BE(at);
    const value = data.subarray(at + 4, at + 4 + vl);
    at += 4 + vl;
    entries.push([Buffer.from(key), Buffer.from(value)]);
  }
  assert(at === bodyEnd, 'snapshot framing overruns');
  return entries;
}
