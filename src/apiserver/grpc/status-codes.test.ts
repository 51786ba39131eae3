import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { alreadyExists, badRequest, cause, conflict, expired, forbidden, internalError, invalid, notFound, serviceUnavailable } from '../rest/status.ts';
import { grpcCodeOf, grpcErrorOf, statusOfGrpcError, STATUS_METADATA_KEY } from './status-codes.ts';

const pods = { group: '', resource: 'pods' };

describe('Status ↔ gRPC', () => {
  it('maps each reason to its gRPC code', () => {
    const cases: [grpc.status, ReturnType<typeof notFound>][] = [
      [grpc.status.NOT_FOUND, notFound(pods, 'x')],
      [grpc.status.ALREADY_EXISTS, alreadyExists(pods, 'x')],
      [grpc.status.ABORTED, conflict(pods, 'x')],
      [grpc.status.INVALID_ARGUMENT, invalid('Pod', '', 'x', [cause.required('spec.containers')])],
      [grpc.status.INVALID_ARGUMENT, badRequest('bad')],
      [grpc.status.PERMISSION_DENIED, forbidden(pods, 'x', 'no')],
      [grpc.status.OUT_OF_RANGE, expired('too old resource version: 1 (5)')],
      [grpc.status.INTERNAL, internalError(new Error('boom'))],
      [grpc.status.UNAVAILABLE, serviceUnavailable('later')],
    ];
    for (const [code, err] of cases) expect(grpcCodeOf(err.toStatus())).toBe(code);
    expect(grpcCodeOf({ code: 429 })).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(grpcCodeOf({ code: 418 })).toBe(grpc.status.UNKNOWN);
  });

  it('the client rebuilds the exact Status from the trailer', () => {
    const status = invalid('Pod', '', 'p', [cause.required('spec.containers'), cause.invalid('metadata.name', 'A', 'must be lower case')]).toStatus();
    const sent = grpcErrorOf(status);
    expect(sent.details).toBe(status.message);
    const received = Object.assign(new Error(sent.details), { code: sent.code, details: sent.details, metadata: sent.metadata }) as grpc.ServiceError;
    expect(statusOfGrpcError(received)).toEqual(status);
  });

  it('a failure without a trailer gets a Status from its code', () => {
    const err = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: grpc.status.UNAVAILABLE, details: 'No connection established', metadata: new grpc.Metadata() }) as grpc.ServiceError;
    expect(statusOfGrpcError(err)).toMatchObject({ kind: 'Status', status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'No connection established' });
    const garbled = new grpc.Metadata();
    garbled.set(STATUS_METADATA_KEY, Buffer.from('{not json'));
    expect(statusOfGrpcError({ ...err, code: grpc.status.DEADLINE_EXCEEDED, metadata: garbled })).toMatchObject({ code: 504, reason: 'Timeout' });
  });
});
