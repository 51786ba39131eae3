import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventType, type KeyValue } from '../mvcc/index.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import type { WatchResponse } from '../watch/index.ts';
import { encodeWatchResponse } from './watch-response-wire.ts';

const codec = loadEtcdProtos().codecs.type('etcdserverpb.WatchResponse');
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const rev = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(Number.MAX_SAFE_INTEGER));
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((b) => Buffer.from(b));
const kv: fc.Arbitrary<KeyValue> = fc.record({
  key: bytes(40),
  createRevision: rev,
  modRevision: rev,
  version: rev,
  value: bytes(300),
  lease: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
});
const response: fc.Arbitrary<WatchResponse> = fc.record({
  header: fc.record({ revision: rev }),
  watchId: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 2 ** 40 })),
  created: fc.boolean(),
  canceled: fc.boolean(),
  compactRevision: rev,
  cancelReason: fc.oneof(fc.constant(''), fc.string({ unit: 'binary' })),
  fragment: fc.boolean(),
  events: fc.array(fc.record({ type: fc.constantFrom(EventType.Put, EventType.Delete), kv, prevKv: fc.option(kv, { nil: undefined }) }, { requiredKeys: ['type', 'kv'] }), { maxLength: 5 }),
});

const kvRead = (k: KeyValue) => ({
  key: k.key.toString('hex'),
  create_revision: BigInt(k.createRevision),
  mod_revision: BigInt(k.modRevision),
  version: BigInt(k.version),
  value: k.value.toString('hex'),
  lease: k.lease,
});
const kvOf = (w: Record<string, unknown>) => ({ ...w, key: (w.key as Buffer).toString('hex'), value: (w.value as Buffer).toString('hex') });

describe('WatchResponse hand encoder', () => {
  it('writes what etcd\'s .proto reads back field for field', () => {
    fc.assert(
      fc.property(u64, u64, u64, response, (clusterId, memberId, raftTerm, r) => {
        const read = codec.decode(encodeWatchResponse({ clusterId, memberId, raftTerm }, r));
        expect(read.header).toEqual({ cluster_id: clusterId, member_id: memberId, revision: BigInt(r.header.revision), raft_term: raftTerm });
        expect([read.watch_id, read.created, read.canceled, read.compact_revision, read.cancel_reason, read.fragment]).toEqual([
          BigInt(r.watchId),
          r.created,
          r.canceled,
          BigInt(r.compactRevision),
          r.cancelReason,
          r.fragment,
        ]);
        const events = (read.events as Array<Record<string, unknown>>).map((e) => ({
          type: e.type,
          kv: kvOf(e.kv as Record<string, unknown>),
          prevKv: e.prev_kv === null ? undefined : kvOf(e.prev_kv as Record<string, unknown>),
        }));
        expect(events).toEqual(r.events.map((e) => ({ type: e.type, kv: kvRead(e.kv), prevKv: e.prevKv === undefined ? undefined : kvRead(e.prevKv) })));
      }),
      { numRuns: 300 },
    );
  });

  it('leaves zero fields out, as etcd does, but always writes the header and each event\'s kv', () => {
    const empty: KeyValue = { key: Buffer.alloc(0), createRevision: 0, modRevision: 0, version: 0, value: Buffer.alloc(0), lease: 0n };
    const bytes = encodeWatchResponse(
      { clusterId: 0n, memberId: 0n, raftTerm: 0n },
      { header: { revision: 0 }, watchId: 0, created: false, canceled: false, compactRevision: 0, cancelReason: '', fragment: false, events: [{ type: EventType.Put, kv: empty }] },
    );
    // header (field 1, empty), one event (field 11) holding an empty kv (field 2).
    expect(bytes.toString('hex')).toBe('0a00' + '5a02' + '1200');
  });
});
