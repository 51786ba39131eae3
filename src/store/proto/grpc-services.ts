// gRPC service definitions built straight from protobufjs reflection, with barque's codecs as the
// (de)serializers: the same objects serve `server.addService` and `makeGenericClientConstructor`.
import * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { CodecRegistry } from './codec.ts';

/** One service, ready for grpc-js on both sides. */
export interface GrpcService {
  /** Full name, e.g. "etcdserverpb.KV"; method paths are `/${fullName}/${method}`. */
  readonly fullName: string;
  readonly definition: grpc.ServiceDefinition;
  readonly Client: grpc.ServiceClientConstructor;
}

export function buildGrpcService(service: protobuf.Service, codecs: CodecRegistry): GrpcService {
  const fullName = service.fullName.replace(/^\./, '');
  const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = codecs.type(nameOf(method.resolvedRequestType, method));
    const response = codecs.type(nameOf(method.resolvedResponseType, method));
    definition[method.name] = {
      path: `/${fullName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: (value) => request.encode(value as never),
      requestDeserialize: (bytes) => request.decode(bytes),
      // A response the handler already encoded (the watch stream's, by hand) goes out as it is.
      responseSerialize: (value) => (Buffer.isBuffer(value) ? value : response.encode(value as never)),
      responseDeserialize: (bytes) => response.decode(bytes),
      // Keeps grpc-js's generated client methods named as in the .proto (Range, LeaseGrant, ...).
      originalName: method.name,
    };
  }
  return {
    fullName,
    definition,
    Client: grpc.makeGenericClientConstructor(definition, fullName),
  };
}

function nameOf(type: protobuf.Type | null, method: protobuf.Method): string {
  if (!type) throw new Error(`unresolved message type in ${method.fullName}`);
  return type.fullName.replace(/^\./, '');
}
