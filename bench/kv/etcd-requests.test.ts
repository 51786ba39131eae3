import { describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';
import {
  casTxnFrame,
  encodePutRequest,
  paddedKey,
  prefixRangeEnd,
  putFrame,
  rangeFrame,
  readCasOutcome,
  readWatchResponse,
  watchCreateFrame,
} from './etcd-requests.ts';

const { codecs } = loadEtcdProtos();
const unframe = (frame: Buffer): Buffer => {
  expect(frame[0]).toBe(0);
  expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
  return frame.subarray(5);
};

describe('etcd requests', () => {
  it('pads keys to the exact size and computes prefix range ends', () => {
    expect(paddedKey('/p/', 42, 256)).toHaveLength(256);
    expect(paddedKey('/p/', 42, 256).toString().startsWith('/p/000016')).toBe(true);
    expect(() => paddedKey('/a-long-prefix/', 1, 8)).toThrow();
    expect(prefixRangeEnd(Buffer.from('/a/'))).toEqual(Buffer.from('/a0'));
    expect(prefixRangeEnd(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
    expect(prefixRangeEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });

  it('pre-encodes put, range and watch-create frames that decode as etcd messages', () => {
    const put = codecs.type('etcdserverpb.PutRequest').decode(unframe(putFrame(Buffer.from('k'), Buffer.alloc(3))));
    expect(put.key).toEqual(Buffer.from('k'));
    expect(put.value).toEqual(Buffer.alloc(3));
    const range = codecs.type('etcdserverpb.RangeRequest').decode(unframe(rangeFrame(Buffer.from('a'), Buffer.from('b'), true)));
    expect(range).toMatchObject({ key: Buffer.from('a'), range_end: Buffer.from('b'), serializable: true });
    const watch = codecs.type('etcdserverpb.WatchRequest').decode(unframe(watchCreateFrame(Buffer.from('a'), Buffer.from('b'))));
    expect(watch.request_union).toBe('create_request');
    expect(watch.create_request).toMatchObject({ key: Buffer.from('a'), range_end: Buffer.from('b') });
  });

  it('builds a compare-and-swap txn by hand that decodes as intended', () => {
    const key = Buffer.from('/txn/k');
    const value = Buffer.from('v');
    const txn = codecs.type('etcdserverpb.TxnRequest').decode(unframe(casTxnFrame(key, 2n ** 40n, encodePutRequest(key, value))));
    expect(txn.compare).toEqual([
      expect.objectContaining({ result: 0, target: 2, key, mod_revision: 2n ** 40n, target_union: 'mod_revision' }),
    ]);
    expect(txn.success).toEqual([expect.objectContaining({ request: 'request_put', request_put: expect.objectContaining({ key, value }) })]);
    expect(txn.failure).toEqual([expect.objectContaining({ request: 'request_range', request_range: expect.objectContaining({ key }) })]);
  });

  it('reads a CAS outcome from a txn response', () => {
    const txn = codecs.type('etcdserverpb.TxnResponse');
    expect(readCasOutcome(txn.encode({ header: { revision: 77n }, succeeded: true }))).toEqual({ succeeded: true, modRevision: 77n });
    const failed = txn.encode({
      header: { revision: 90n },
      succeeded: false,
      responses: [{ response_range: { kvs: [{ key: Buffer.from('k'), mod_revision: 55n, value: Buffer.from('x') }], count: 1n } }],
    });
    expect(readCasOutcome(failed)).toEqual({ succeeded: false, modRevision: 55n });
    expect(readCasOutcome(txn.encode({ responses: [{ response_range: { kvs: [] } }] }))).toEqual({ succeeded: false, modRevision: 0n });
  });

  it('reads watch responses: created, canceled and event values', () => {
    const watch = codecs.type('etcdserverpb.WatchResponse');
    expect(readWatchResponse(watch.encode({ header: { revision: 1n }, watch_id: 0n, created: true }))).toEqual({ created: true, canceled: false, values: [] });
    const events = watch.encode({
      watch_id: 3n,
      events: [
        { type: 0, kv: { key: Buffer.from('a'), value: Buffer.from('1'), mod_revision: 5n } },
        { type: 1, kv: { key: Buffer.from('b'), mod_revision: 6n } },
      ],
    });
    expect(readWatchResponse(events).values.map((v) => v.toString())).toEqual(['1', '']);
    expect(readWatchResponse(watch.encode({ canceled: true })).canceled).toBe(true);
  });
});
