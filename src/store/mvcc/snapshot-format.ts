// The byte form of a whole-database snapshot, for shipping to a lagging member: a magic, then each record as
// (u32 key length, key, u32 value length, value), then the CRC-32C of everything before it.

import { assert } from '../../raft/assert.ts';
import { Crc32c } from './codec.ts';

const SNAPSHOT_MAGIC = Buffer.from('barque-mvcc-1');

/** Records between two turns of the event loop while encoding, and bytes copied per turn when assembling. */
const RECORDS_PER_TURN = 2_000;
const BYTES_PER_TURN = 8 << 20;

/**
 * The snapshot of a whole database can be hundreds of MiB. It is checksummed record by record as they arrive and
 * copied once into a buffer of its final size, a slice per event-loop turn: done in one go, the copies and the
 * CRC held the event loop for over a second, long enough for the member to miss its heartbeats and lose or
 * depose its leader (seen under `etcdctl check perf --load=l` once 100,000 entries called for a snapshot).
 * `nextTurn` lets the event loop run (the server's is a setImmediate; the core itself keeps no real timers).
 */
export async function encodeSnapshot(entries: AsyncIterable<[Buffer, Buffer]>, nextTurn: () => Promise<void> = () => Promise.resolve()): Promise<Buffer> {
  const parts: Buffer[] = [SNAPSHOT_MAGIC];
  const crc = new Crc32c().update(SNAPSHOT_MAGIC);
  let total = SNAPSHOT_MAGIC.length;
  let records = 0;
  for await (const [k, v] of entries) {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(k.length, 0);
    const mid = Buffer.allocUnsafe(4);
    mid.writeUInt32BE(v.length, 0);
    parts.push(head, k, mid, v);
    crc.update(head).update(k).update(mid).update(v);
    total += 8 + k.length + v.length;
    if (++records % RECORDS_PER_TURN === 0) await nextTurn();
  }
  const out = Buffer.allocUnsafe(total + 4);
  let at = 0;
  let sinceTurn = 0;
  for (const part of parts) {
    part.copy(out, at);
    at += part.length;
    sinceTurn += part.length;
    if (sinceTurn >= BYTES_PER_TURN) {
      sinceTurn = 0;
      await nextTurn();
    }
  }
  out.writeUInt32BE(crc.digest(), at);
  return out;
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
