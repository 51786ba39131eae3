// Service definitions whose decoded requests keep the bytes they were decoded from, so a write can go into the log
// exactly as the client sent it (no re-encoding).
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { Wire } from '../apply/wire-convert.ts';

const RAW = Symbol('barque.rawRequest');

export function withRawRequests(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const message = decode(bytes) as Wire;
        Object.defineProperty(message, RAW, { value: bytes, enumerable: false });
        return message;
      },
    };
  }
  return out as ServiceDefinition;
}

/** The request's received bytes; undefined for a request built in-process. */
export function rawBytesOf(request: Wire): Buffer | undefined {
  return (request as { [RAW]?: Buffer })[RAW];
}
