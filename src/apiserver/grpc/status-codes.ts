// The one place where Kubernetes Status errors meet gRPC status codes, both ways. The server fails a call with the
// mapped code, the Status message as details and the whole Status (JSON) in trailing metadata; the client rebuilds
// the exact Status from that metadata, or one from the code alone when the failure never reached the apiserver
// (connection refused, deadline).
import * as grpc from '@grpc/grpc-js';
import type { StatusObject, StatusReason } from '../rest/status.ts';

export const STATUS_METADATA_KEY = 'barque-status-bin';

const BY_REASON: Partial<Record<StatusReason, grpc.status>> = {
  NotFound: grpc.status.NOT_FOUND,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  Conflict: grpc.status.ABORTED,
  Invalid: grpc.status.INVALID_ARGUMENT,
  BadRequest: grpc.status.INVALID_ARGUMENT,
  Forbidden: grpc.status.PERMISSION_DENIED,
  MethodNotAllowed: grpc.status.UNIMPLEMENTED,
  UnsupportedMediaType: grpc.status.UNIMPLEMENTED,
  NotAcceptable: grpc.status.UNIMPLEMENTED,
  Expired: grpc.status.OUT_OF_RANGE,
  Gone: grpc.status.OUT_OF_RANGE,
  RequestEntityTooLarge: grpc.status.RESOURCE_EXHAUSTED,
  InternalError: grpc.status.INTERNAL,
  ServiceUnavailable: grpc.status.UNAVAILABLE,
  Timeout: grpc.status.DEADLINE_EXCEEDED,
  TooManyRequests: grpc.status.RESOURCE_EXHAUSTED,
};

const BY_HTTP_CODE: Readonly<Record<number, grpc.status>> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  404: grpc.status.NOT_FOUND,
  409: grpc.status.ABORTED,
  410: grpc.status.OUT_OF_RANGE,
  422: grpc.status.INVALID_ARGUMENT,
  429: grpc.status.RESOURCE_EXHAUSTED,
  500: grpc.status.INTERNAL,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

export function grpcCodeOf(status: Pick<StatusObject, 'reason' | 'code'>): grpc.status {
  return (status.reason !== undefined ? BY_REASON[status.reason] : undefined) ?? BY_HTTP_CODE[status.code] ?? grpc.status.UNKNOWN;
}

/** The error a server handler fails a call with. */
export function grpcErrorOf(status: StatusObject): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  metadata.set(STATUS_METADATA_KEY, Buffer.from(JSON.stringify(status), 'utf8'));
  return { code: grpcCodeOf(status), details: status.message ?? '', metadata };
}

// Client side, for failures without a Status (the transport's own): the Status kube clients would see.
const FROM_GRPC: Readonly<Partial<Record<grpc.status, [number, StatusReason]>>> = {
  [grpc.status.UNAVAILABLE]: [503, 'ServiceUnavailable'],
  [grpc.status.DEADLINE_EXCEEDED]: [504, 'Timeout'],
  [grpc.status.CANCELLED]: [499, 'Timeout'],
  [grpc.status.NOT_FOUND]: [404, 'NotFound'],
  [grpc.status.UNIMPLEMENTED]: [404, 'NotFound'],
  [grpc.status.INVALID_ARGUMENT]: [400, 'BadRequest'],
  [grpc.status.RESOURCE_EXHAUSTED]: [413, 'RequestEntityTooLarge'],
};

/** Rebuilds the Status a failed call carries. */
export function statusOfGrpcError(err: grpc.ServiceError): StatusObject {
  const raw = err.metadata?.get(STATUS_METADATA_KEY)[0];
  if (raw !== undefined) {
    try {
      const parsed = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : raw) as StatusObject;
      if (parsed.kind === 'Status' && typeof parsed.code === 'number') return parsed;
    } catch {
      // fall through to a Status built from the gRPC code
    }
  }
  const [code, reason] = FROM_GRPC[err.code] ?? [500, 'InternalError'];
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: err.details || err.message, reason, code };
}
