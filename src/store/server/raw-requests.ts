// Service definitions whose decoded requests keep the bytes they were decoded from, so a write can go into the log
// exactly as the client sent it (no re-encoding). The bytes are first checked as etcd's decoders check them
// (strict-wire.ts): what etcd cannot unmarshal fails here with INTERNAL too, and unknown fields are dropped.
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { Wire } from '../apply/wire-convert.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import { checkWire } from './strict-wire.ts';

const RAW = Symbol('barque.rawRequest');

function requestTypeOf(path: string): protobuf.Type {
  const [, service, method] = path.split('/');
  const m = loadEtcdProtos().root.lookupService(service).methods[method];
  m.resolve();
  if (m.resolvedRequestType === null) throw new Error(`unresolved request type of ${path}`);
  return m.resolvedRequestType;
}

export function withRawRequests(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    const type = requestTypeOf(method.path);
    out[name] = {
      ...method,
      requestDeserialize: (received: Buffer) => {
        const bytes = checkWire(type, received);
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
