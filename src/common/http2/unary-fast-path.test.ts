// The unary fast path answers as grpc-js does: every case runs against a listener with the fast path and one
// without (grpc-js alone), and the client must not tell them apart; requests the path does not take (compressed)
// still reach the handler through grpc-js.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { listenGrpc, type GrpcListener } from './grpc-listener.ts';
import type { FastUnaryMethod } from './unary-fast-path.ts';

const id = (b: Buffer): Buffer => b;
const strict = (b: Buffer): Buffer => {
  if (b.length > 0 && b[0] === 0xff) throw new Error('bad first byte');
  return b;
};
const method = (path: string, stream = false): grpc.MethodDefinition<Buffer, Buffer> => ({
  path,
  requestStream: false,
  responseStream: stream,
  requestSerialize: id,
  requestDeserialize: strict,
  responseSerialize: id,
  responseDeserialize: id,
});
const definition = { Echo: method('/t.T/Echo'), Fail: method('/t.T/Fail'), Hang: method('/t.T/Hang'), Throw: method('/t.T/Throw'), Many: method('/t.T/Many', true) };
const MAX_RECEIVE = 64 * 1024;

interface Seen {
  fast: boolean;
  peer: string;
  path: string;
  token: string[];
}
const seen: Seen[] = [];
let cancelled = 0;

const handlers = {
  Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    seen.push({ fast: call.constructor.name === 'FastUnaryCall', peer: call.getPeer(), path: call.getPath(), token: call.metadata.get('token').map(String) });
    const trailer = new grpc.Metadata();
    trailer.set('x-echo', 'yes');
    cb(null, Buffer.concat([Buffer.from('echo:'), call.request]), trailer);
  },
  Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const metadata = new grpc.Metadata();
    metadata.set('x-reason', 'because');
    cb({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: requested lease not found %', metadata });
  },
  Hang: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => {
    call.on('cancelled', () => cancelled++);
  },
  Throw: () => {
    throw new Error('boom');
  },
  Many: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    call.write(Buffer.from('a'));
    call.write(Buffer.from('b'));
    call.end();
  },
};

function makeServer(): grpc.Server {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_RECEIVE });
  server.addService(definition, handlers as unknown as grpc.UntypedServiceImplementation);
  return server;
}

let fastListener: GrpcListener;
let plainListener: GrpcListener;
const servers: grpc.Server[] = [];
const clients: grpc.Client[] = [];

beforeAll(async () => {
  const fast = makeServer();
  const plain = makeServer();
  servers.push(fast, plain);
  const routes = new Map<string, FastUnaryMethod>();
  for (const name of ['Echo', 'Fail', 'Hang', 'Throw'] as const) {
    routes.set(definition[name].path, { definition: definition[name] as grpc.MethodDefinition<unknown, unknown>, handler: handlers[name] as unknown as grpc.handleUnaryCall<unknown, unknown> });
  }
  fastListener = await listenGrpc(fast, '127.0.0.1', 0, undefined, { routes, limits: { maxReceiveBytes: MAX_RECEIVE, maxSendBytes: 2 ** 31 - 1 } });
  plainListener = await listenGrpc(plain, '127.0.0.1', 0);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await fastListener.close();
  await plainListener.close();
  for (const s of servers) s.forceShutdown();
});

interface Outcome {
  code: grpc.status;
  details: string;
  body?: string;
  trailer?: Record<string, unknown>;
}

function call(port: number, name: keyof typeof definition, body: Buffer, options: { metadata?: grpc.Metadata; deadlineMs?: number; channel?: grpc.ChannelOptions } = {}): Promise<Outcome> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options.channel ?? {});
  clients.push(client);
  return new Promise((resolve) => {
    // The answer is complete once both the callback and the status (with the trailers) came.
    let answer: Omit<Outcome, 'trailer'> | undefined;
    let trailer: Record<string, unknown> | undefined;
    const settle = (): void => {
      if (answer !== undefined && trailer !== undefined) resolve({ ...answer, trailer });
    };
    const c = client.makeUnaryRequest(
      definition[name].path,
      id,
      id,
      body,
      options.metadata ?? new grpc.Metadata(),
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
      (err, value) => {
        answer = err !== null ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: 'OK', body: value?.toString() };
        settle();
      },
    );
    c.on('status', (s: grpc.StatusObject) => {
      trailer = pick(s.metadata.getMap());
      settle();
    });
  });
}

/** Only the headers a handler set: transport headers differ by design (content-type, encodings). */
function pick(map: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => k.startsWith('x-')));
}

async function both(name: keyof typeof definition, body: Buffer, options?: Parameters<typeof call>[3]): Promise<Outcome> {
  const [fast, plain] = await Promise.all([call(fastListener.port, name, body, options), call(plainListener.port, name, body, options)]);
  expect(fast).toEqual(plain);
  return fast;
}

describe('unary fast path', () => {
  it('serves a unary call itself, with the metadata, peer and path a grpc-js call has', async () => {
    seen.length = 0;
    const metadata = new grpc.Metadata();
    metadata.set('token', 'abc');
    const out = await both('Echo', Buffer.from('hi'), { metadata });
    expect(out).toEqual({ code: grpc.status.OK, details: 'OK', body: 'echo:hi', trailer: { 'x-echo': 'yes' } });
    const fast = seen.find((s) => s.fast);
    const plain = seen.find((s) => !s.fast);
    expect(fast).toBeDefined();
    expect(plain).toBeDefined();
    expect({ ...fast, fast: undefined, peer: undefined }).toEqual({ ...plain, fast: undefined, peer: undefined });
    expect(fast?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(fast?.token).toEqual(['abc']);
    // A message over many DATA frames.
    const large = await both('Echo', Buffer.alloc(60_000, 'q'));
    expect(large.body).toBe(`echo:${'q'.repeat(60_000)}`);
  });

  it('answers errors with the same code, text and trailers as grpc-js', async () => {
    expect(await both('Fail', Buffer.from('x'))).toEqual({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: requested lease not found %', trailer: { 'x-reason': 'because' } });
    expect((await both('Throw', Buffer.from('x'))).code).toBe(grpc.status.UNKNOWN);
    expect(await both('Echo', Buffer.from([0xff]))).toMatchObject({ code: grpc.status.INTERNAL });
    const big = await both('Echo', Buffer.alloc(MAX_RECEIVE + 1));
    expect(big).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });

  it('tells the handler when the client gives up, and answers after the deadline as grpc-js', async () => {
    const before = cancelled;
    // The client's own deadline text names its timings and address, so only the code is compared.
    const outs = await Promise.all([fastListener.port, plainListener.port].map((port) => call(port, 'Hang', Buffer.from('x'), { deadlineMs: 300 })));
    expect(outs.map((o) => o.code)).toEqual([grpc.status.DEADLINE_EXCEEDED, grpc.status.DEADLINE_EXCEEDED]);
    await expect.poll(() => cancelled - before, { timeout: 10_000 }).toBe(2);
  });

  it('leaves compressed requests and streams to grpc-js', async () => {
    seen.length = 0;
    const gzip = { 'grpc.default_compression_algorithm': 2, 'grpc.default_compression_level': 2 } as grpc.ChannelOptions;
    const out = await call(fastListener.port, 'Echo', Buffer.alloc(4096, 'z'), { channel: gzip });
    expect(out.body).toBe(`echo:${'z'.repeat(4096)}`);
    expect(seen.map((s) => s.fast)).toEqual([false]);
    const client = new grpc.Client(`127.0.0.1:${fastListener.port}`, grpc.credentials.createInsecure());
    clients.push(client);
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = client.makeServerStreamRequest(definition.Many.path, id, id, Buffer.from('x'));
      s.on('data', (b: Buffer) => got.push(b.toString()));
      s.on('error', reject);
      s.on('end', () => resolve());
    });
    expect(got).toEqual(['a', 'b']);
  });
});
