// UnaryChannel answers as grpc-js's client would, against a grpc-js server: the response; a status with its details
// and trailing metadata; DEADLINE_EXCEEDED; UNAVAILABLE when nothing listens or the server goes away (and a new
// connection once it is back); RESOURCE_EXHAUSTED past the receive limit; a shared channel closes with its last user.
import { afterEach, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { sharedUnaryChannel, UnaryChannel, type UnaryCallError, type UnaryMethodCodec } from './unary-channel.ts';

const id = (b: Buffer): Buffer => b;
const unary = (name: string): grpc.MethodDefinition<Buffer, Buffer> => ({
  path: `/t.T/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});
const definition = { Echo: unary('Echo'), Fail: unary('Fail'), Hang: unary('Hang'), Big: unary('Big') };
const codec = (name: keyof typeof definition): UnaryMethodCodec<Buffer, Buffer> => definition[name];

const cancelled: string[] = [];
const handlers = {
  Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const auth = call.metadata.get('authorization')[0] ?? '-';
    const agent = String(call.metadata.get('user-agent')[0] ?? '').split(' ')[0];
    cb(null, Buffer.concat([call.request, Buffer.from(` ${String(auth)} ${agent}`)]));
  },
  Fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const metadata = new grpc.Metadata();
    metadata.set('x-detail', 'plain');
    metadata.set('x-status-bin', Buffer.from([0, 1, 2, 255]));
    cb({ code: grpc.status.FAILED_PRECONDITION, details: 'etcdserver: not 100% right', metadata });
  },
  Hang: (call: grpc.ServerUnaryCall<Buffer, Buffer>) => {
    call.on('cancelled', () => cancelled.push('Hang'));
  },
  Big: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.alloc(call.request.readUInt32BE(0), 7)),
};

async function startServer(port = 0): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(definition, handlers as unknown as grpc.UntypedServiceImplementation);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port: bound };
}

const soon = (ms = 10_000) => ({ deadline: Date.now() + ms });
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function failure(p: Promise<unknown>): Promise<UnaryCallError> {
  try {
    await p;
  } catch (err) {
    return err as UnaryCallError;
  }
  throw new Error('the call succeeded');
}

describe('UnaryChannel', () => {
  it('sends the request with its metadata and user agent and returns the response', async () => {
    const { server, port } = await startServer();
    const channel = new UnaryChannel({ address: `127.0.0.1:${port}`, userAgent: 'kube-scheduler/v1.31' });
    cleanups.push(() => (channel.close(), server.forceShutdown()));
    const res = await channel.call(codec('Echo'), Buffer.from('hello'), { ...soon(), metadata: { authorization: 'Bearer t0k' } });
    expect(String(res)).toBe('hello Bearer t0k kube-scheduler/v1.31');
    // Many at once on the one connection.
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => channel.call(codec('Echo'), Buffer.from(`m${i}`), soon())));
    expect(many.map((b) => String(b).split(' ')[0])).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it('reports a status with its details and trailing metadata, as grpc-js does', async () => {
    const { server, port } = await startServer();
    const channel = new UnaryChannel({ address: `127.0.0.1:${port}` });
    const client = new (grpc.makeGenericClientConstructor(definition, 't.T'))(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanups.push(() => (channel.close(), client.close(), server.forceShutdown()));
    const ours = await failure(channel.call(codec('Fail'), Buffer.alloc(0), soon()));
    const theirs = await new Promise<grpc.ServiceError>((resolve) =>
      client.makeUnaryRequest('/t.T/Fail', id, id, Buffer.alloc(0), (err) => resolve(err as grpc.ServiceError)),
    );
    expect(ours.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(ours.details).toBe('etcdserver: not 100% right');
    expect(ours.message).toBe(theirs.message);
    expect(ours.metadata.get('x-detail')).toEqual(['plain']);
    expect(ours.metadata.get('x-status-bin')).toEqual([Buffer.from([0, 1, 2, 255])]);
  });

  it('gives up at the deadline with DEADLINE_EXCEEDED and cancels the call on the server', async () => {
    const { server, port } = await startServer();
    const channel = new UnaryChannel({ address: `127.0.0.1:${port}` });
    cleanups.push(() => (channel.close(), server.forceShutdown()));
    const err = await failure(channel.call(codec('Hang'), Buffer.alloc(0), soon(200)));
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await expect.poll(() => cancelled.includes('Hang'), { timeout: 10_000 }).toBe(true);
    expect(String(await channel.call(codec('Echo'), Buffer.from('still'), soon()))).toMatch(/^still /);
  });

  it('is UNAVAILABLE while nothing listens or when the server goes away, and connects again once it is back', async () => {
    // A port a server has just let go of: nothing listens there.
    const { server: gone, port } = await startServer();
    await new Promise<void>((resolve) => gone.tryShutdown(() => resolve()));
    const channel = new UnaryChannel({ address: `127.0.0.1:${port}` });
    cleanups.push(() => channel.close());
    expect((await failure(channel.call(codec('Echo'), Buffer.from('x'), soon()))).code).toBe(grpc.status.UNAVAILABLE);

    const first = await startServer(port);
    expect(String(await channel.call(codec('Echo'), Buffer.from('up'), soon()))).toMatch(/^up /);
    const pending = failure(channel.call(codec('Hang'), Buffer.alloc(0), soon()));
    await expect.poll(() => (first.server as unknown as { sessions: Map<unknown, unknown> }).sessions.size > 0).toBe(true);
    first.server.forceShutdown();
    expect((await pending).code).toBe(grpc.status.UNAVAILABLE);

    const second = await startServer(port);
    cleanups.push(() => second.server.forceShutdown());
    await expect.poll(async () => String(await channel.call(codec('Echo'), Buffer.from('again'), soon()).catch((e: Error) => e.message)), { timeout: 10_000 }).toMatch(/^again /);
  });

  it('refuses an answer past its receive limit and takes a large one within it', async () => {
    const { server, port } = await startServer();
    const limited = new UnaryChannel({ address: `127.0.0.1:${port}`, maxReceiveBytes: 64 * 1024 });
    const unbounded = new UnaryChannel({ address: `127.0.0.1:${port}`, maxReceiveBytes: -1 });
    cleanups.push(() => (limited.close(), unbounded.close(), server.forceShutdown()));
    const size = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    const err = await failure(limited.call(codec('Big'), size(200_000), soon()));
    expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await unbounded.call(codec('Big'), size(8 * 1024 * 1024), soon())).length).toBe(8 * 1024 * 1024);
    expect((await limited.call(codec('Big'), size(1_000), soon())).length).toBe(1_000);
  });

  it('shares one channel between users of the same address and closes it with the last', async () => {
    const { server, port } = await startServer();
    cleanups.push(() => server.forceShutdown());
    const options = { address: `127.0.0.1:${port}`, userAgent: 'shared-test' };
    const a = sharedUnaryChannel(options);
    const b = sharedUnaryChannel(options);
    const other = sharedUnaryChannel({ ...options, userAgent: 'another' });
    expect(b).toBe(a);
    expect(other).not.toBe(a);
    a.release();
    expect(String(await b.call(codec('Echo'), Buffer.from('b'), soon()))).toMatch(/^b /);
    b.release();
    expect(a.isClosed).toBe(true);
    expect((await failure(a.call(codec('Echo'), Buffer.from('late'), soon()))).code).toBe(grpc.status.UNAVAILABLE);
    expect(other.isClosed).toBe(false);
    other.release();
    const fresh = sharedUnaryChannel(options);
    expect(fresh).not.toBe(a);
    fresh.release();
  });
});
