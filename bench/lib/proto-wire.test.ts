import { describe, expect, it } from 'vitest';
import { loadEtcdProtos } from '../../src/store/proto/index.ts';
import { encodeVarint, findBytesField, findVarintField, headerRevision, ProtoWireError, ProtoWriter, scanFields } from './proto-wire.ts';

const { codecs } = loadEtcdProtos();

describe('proto-wire', () => {
  it('writes messages the real codecs decode', () => {
    const bytes = new ProtoWriter().bytesField(1, Buffer.from('k')).bytesField(2, Buffer.from('v')).varintField(3, 2n ** 62n).finish();
    const decoded = codecs.type('etcdserverpb.PutRequest').decode(bytes);
    expect(decoded.key).toEqual(Buffer.from('k'));
    expect(decoded.value).toEqual(Buffer.from('v'));
    expect(decoded.lease).toBe(2n ** 62n);
  });

  it('encodes varints as protobuf does, negative values as 64-bit two\'s complement', () => {
    expect(encodeVarint(0n)).toEqual(Buffer.from([0]));
    expect(encodeVarint(300n)).toEqual(Buffer.from([0xac, 0x02]));
    expect(encodeVarint(-1n)).toHaveLength(10);
    const bytes = new ProtoWriter().varintField(4, -5n).finish();
    expect(codecs.type('etcdserverpb.RangeRequest').decode(bytes).revision).toBe(-5n);
  });

  it('reads the header revision of an etcd response without decoding it', () => {
    const header = { cluster_id: 2n ** 63n + 5n, member_id: 7n, revision: 123_456_789_012n, raft_term: 9n };
    expect(headerRevision(codecs.type('etcdserverpb.PutResponse').encode({ header }))).toBe(123_456_789_012n);
    expect(headerRevision(codecs.type('etcdserverpb.PutResponse').encode({}))).toBe(0n);
  });

  it('finds fields by number and visits every field', () => {
    const bytes = codecs.type('etcdserverpb.RangeRequest').encode({ key: Buffer.from('a'), limit: 5n, serializable: true });
    expect(findBytesField(bytes, 1)).toEqual(Buffer.from('a'));
    expect(findVarintField(bytes, 3)).toBe(5n);
    expect(findVarintField(bytes, 4, -1n)).toBe(-1n);
    const seen: number[] = [];
    scanFields(bytes, (f) => void seen.push(f.fieldNumber));
    expect(seen).toEqual([1, 3, 7]);
  });

  it('rejects truncated input', () => {
    expect(() => scanFields(Buffer.from([0x0a, 0x05, 0x61]), () => {})).toThrow(ProtoWireError);
    expect(() => scanFields(Buffer.from([0x08, 0x80]), () => {})).toThrow(ProtoWireError);
  });
});
