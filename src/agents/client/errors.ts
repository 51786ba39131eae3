// Failed calls surface as StatusError: the Kubernetes Status the apiserver sent (rebuilt from the gRPC trailer by
// src/apiserver/grpc/status-codes.ts), so callers branch on reason and code as client-go callers do.
import type * as grpc from '@grpc/grpc-js';
import { statusOfGrpcError } from '../../apiserver/grpc/index.ts';
import type { StatusObject } from '../../apiserver/rest/index.ts';

export type { StatusObject };

export class StatusError extends Error {
  constructor(
    readonly status: StatusObject,
    /** The gRPC status code the call failed with. */
    readonly grpcCode: grpc.status,
  ) {
    super(status.message ?? status.reason ?? `status ${status.code}`);
    this.name = 'StatusError';
  }

  /** HTTP status code, as Kubernetes uses it (404, 409, 410, 422 ...). */
  get code(): number {
    return this.status.code;
  }

  get reason(): string {
    return this.status.reason ?? '';
  }

  static fromGrpc(err: grpc.ServiceError): StatusError {
    return new StatusError(statusOfGrpcError(err), err.code);
  }
}

const reasonIs = (reason: string) => (err: unknown): boolean => err instanceof StatusError && err.reason === reason;

export const isNotFound = reasonIs('NotFound');
export const isAlreadyExists = reasonIs('AlreadyExists');
export const isConflict = reasonIs('Conflict');
export const isInvalid = reasonIs('Invalid');
/** 429: refused for now (an eviction a disruption budget forbids); retry later. */
export const isTooManyRequests = reasonIs('TooManyRequests');
/** 410: the resourceVersion asked for is compacted away; relist. */
export const isExpired = (err: unknown): boolean => err instanceof StatusError && err.code === 410;
