import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMessageCodec, loadProtoRoot, PROTO_ROOT } from '../proto/index.ts';
import { decodeInternalRequest, encodeInternalRequest, type InternalRequestKind } from './internal-request.ts';

// The reference: proto/internal.proto through the general codec.
const reference = createMessageCodec<Record<string, unknown>>(loadProtoRoot(PROTO_ROOT, ['internal.proto']).lookupType('barque.store.InternalRequest'));
const KINDS: InternalRequestKind[] = [
  'range', 'put', 'delete_range', 'txn', 'compaction', 'lease_grant', 'lease_revoke', 'lease_checkpoint', 'alarm',
  'member_attributes', 'auth_enable', 'auth_disable', 'authenticate', 'auth_user_add', 'auth_user_delete',
  'auth_user_change_password', 'auth_user_grant_role', 'auth_user_revoke_role', 'auth_role_add', 'auth_role_delete',
  'auth_role_grant_permission', 'auth_role_revoke_permission',
];
const request = fc.record({
  id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  kind: fc.constantFrom(...KINDS),
  body: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  authRevision: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
});

describe('InternalRequest hand codec', () => {
  it('writes what the .proto reads, and reads what the .proto writes', () => {
    fc.assert(
      fc.property(request, (req) => {
        const mine = encodeInternalRequest(req);
        const read = reference.decode(mine);
        expect([read.id, read.request, Buffer.from(read[req.kind] as Buffer).equals(req.body), read.auth_revision]).toEqual([req.id, req.kind, true, req.authRevision]);
        const theirs = reference.encode({ id: req.id, [req.kind]: req.body, auth_revision: req.authRevision });
        const back = decodeInternalRequest(theirs);
        expect([back.id, back.kind, back.body.equals(req.body), back.authRevision]).toEqual([req.id, req.kind, true, req.authRevision]);
        expect(decodeInternalRequest(mine)).toEqual(back);
      }),
      { numRuns: 500 },
    );
  });

  it('names an empty request by its presence, skips unknown fields, and refuses bytes without a request', () => {
    expect(decodeInternalRequest(encodeInternalRequest({ id: 7n, kind: 'auth_enable', body: Buffer.alloc(0) }))).toMatchObject({ id: 7n, kind: 'auth_enable' });
    // Unknown field 40 (varint) and 41 (bytes) around a put.
    const withUnknown = Buffer.concat([Buffer.from([0xc0, 0x02, 0x05]), encodeInternalRequest({ id: 1n, kind: 'put', body: Buffer.from('x') }), Buffer.from([0xca, 0x02, 0x01, 0x00])]);
    expect(decodeInternalRequest(withUnknown)).toMatchObject({ id: 1n, kind: 'put', body: Buffer.from('x') });
    expect(() => decodeInternalRequest(Buffer.from([0x08, 0x01]))).toThrow('internal request without a request');
    expect(() => decodeInternalRequest(Buffer.from([0x08, 0xff]))).toThrow('truncated varint');
    expect(() => decodeInternalRequest(Buffer.from([0x1a, 0x05, 0x01]))).toThrow('truncated length-delimited field');
  });

  it('refuses to encode ids that are not uint64', () => {
    expect(() => encodeInternalRequest({ id: -1n, kind: 'put', body: Buffer.alloc(0) })).toThrow('is not a uint64');
    expect(() => encodeInternalRequest({ id: 1n << 64n, kind: 'put', body: Buffer.alloc(0) })).toThrow('is not a uint64');
  });
});
