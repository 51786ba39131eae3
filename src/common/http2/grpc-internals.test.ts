// directMessageWriter: a server stream's messages all reach HTTP/2 at once (grpc-js's own Writable hands over one
// per socket write), in order, each callback once it is sent, and the status still comes after the last of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type * as http2 from 'node:http2';
import { directMessageWriter } from './grpc-internals.ts';

const id = (b: Buffer): Buffer => b;
const stream = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream: true,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});
const definition = { Direct: stream('/t.T/Direct'), Plain: stream('/t.T/Plain') };
const MESSAGES = 200;
const message = (i: number): Buffer => Buffer.from(`message ${i} `.padEnd(1_000, '.'));

/** Bytes the HTTP/2 stream beneath a grpc-js server call held right after the handler's synchronous writes. */
const queuedInHttp2: Record<string, number> = {};
const callbacks: Record<string, number> = { Direct: 0, Plain: 0 };

function http2StreamOf(call: grpc.ServerWritableStream<Buffer, Buffer>): http2.Http2Stream {
  return (call as unknown as { call: { stream: http2.Http2Stream } }).call.stream;
}

const handlers = {
  Direct: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    const write = directMessageWriter(call as unknown as grpc.ServerWritableStream<unknown, unknown>);
    for (let i = 0; i < MESSAGES; i++) write(message(i), () => callbacks.Direct++);
    queuedInHttp2.Direct = http2StreamOf(call).writableLength;
    call.end();
  },
  Plain: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    for (let i = 0; i < MESSAGES; i++) call.write(message(i), () => callbacks.Plain++);
    queuedInHttp2.Plain = http2StreamOf(call).writableLength;
    call.end();
  },
};

let server: grpc.Server;
let client: grpc.Client;

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(definition, handlers as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const Client = grpc.makeGenericClientConstructor(definition, 't.T');
  client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
});

function receive(method: 'Direct' | 'Plain'): Promise<{ messages: Buffer[]; status: grpc.StatusObject }> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as Record<string, (req: Buffer) => grpc.ClientReadableStream<Buffer>>)[method](Buffer.alloc(0));
    const messages: Buffer[] = [];
    let status: grpc.StatusObject | undefined;
    call.on('data', (m: Buffer) => messages.push(m));
    call.on('status', (s: grpc.StatusObject) => (status = s));
    call.on('error', reject);
    call.on('end', () => setImmediate(() => (status === undefined ? reject(new Error('no status')) : resolve({ messages, status }))));
  });
}

describe('directMessageWriter', () => {
  it('queues every message on the HTTP/2 stream at once, delivers them in order, then the status', async () => {
    const { messages, status } = await receive('Direct');
    expect(status.code).toBe(grpc.status.OK);
    expect(messages).toEqual(Array.from({ length: MESSAGES }, (_, i) => message(i)));
    expect(callbacks.Direct).toBe(MESSAGES);
    // Every message (1,000 bytes + the 5-byte gRPC prefix) was waiting in HTTP/2, to go out in as few writes as it can.
    expect(queuedInHttp2.Direct).toBe(MESSAGES * 1_005);
  });

  it('where grpc-js alone hands HTTP/2 one message and keeps the rest', async () => {
    const { messages, status } = await receive('Plain');
    expect(status.code).toBe(grpc.status.OK);
    expect(messages).toHaveLength(MESSAGES);
    expect(queuedInHttp2.Plain).toBeLessThanOrEqual(1_005);
  });
});
