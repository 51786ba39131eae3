import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from './echo-server.ts';
import { grpcFrame } from './grpc-frame.ts';
import { GRPC_STATUS_OK } from './http2-grpc-client.ts';
import { GRPC_STATUS_UNKNOWN, RawH2GrpcClient } from './raw-h2-client.ts';

describe('RawH2GrpcClient', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer(Buffer.from('pong'));
  });
  afterAll(async () => {
    await echo.close();
  });

  it('makes many concurrent unary calls against node:http2', async () => {
    const client = await RawH2GrpcClient.connect([echo.url], { connections: 2 });
    const replies = await Promise.all(Array.from({ length: 500 }, () => client.unaryAsync('/x.Y/Z', grpcFrame(Buffer.from('ping')))));
    for (const r of replies) expect(r).toEqual({ status: GRPC_STATUS_OK, message: '', body: Buffer.from('pong') });
    await client.close();
  });

  it('sends gRPC request headers and large bodies within flow control; a call without a message is an error', async () => {
    const seen: { headers: http2.IncomingHttpHeaders; bytes: number }[] = [];
    const server = http2.createServer();
    server.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
      let bytes = 0;
      stream.on('data', (c: Buffer) => (bytes += c.length));
      stream.on('end', () => {
        seen.push({ headers, bytes });
        if (bytes > 1000) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(grpcFrame(Buffer.from('big')));
        } else {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5' }, { endStream: true });
        }
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await RawH2GrpcClient.connect([url], { connections: 1 });
    const big = grpcFrame(Buffer.alloc(300_000, 7)); // beyond the default 64 KiB windows and 16 KiB frames
    const [ok, failed] = await Promise.all([client.unaryAsync('/etcdserverpb.KV/Put', big), client.unaryAsync('/etcdserverpb.KV/Range', grpcFrame(Buffer.from('x')))]);
    expect(ok.status).toBe(GRPC_STATUS_OK);
    expect(ok.body?.toString()).toBe('big');
    expect(failed.status).toBe(GRPC_STATUS_UNKNOWN);
    const put = seen.find((s) => s.headers[':path'] === '/etcdserverpb.KV/Put');
    expect(put?.bytes).toBe(big.length);
    expect(put?.headers).toMatchObject({ ':method': 'POST', ':scheme': 'http', 'content-type': 'application/grpc', te: 'trailers' });
    expect(put?.headers[':authority']).toBe(new URL(url).host);
    await client.close();
    await new Promise<void>((done) => server.close(() => done()));
  });
});

describe('RawH2GrpcClient on a dead connection', () => {
  it('answers UNAVAILABLE on a later turn', async () => {
    const echo = await startEchoServer(Buffer.from('pong'));
    const client = await RawH2GrpcClient.connect([echo.url], { connections: 1 });
    await client.close();
    await echo.close();
    let answered = false;
    const reply = client.unaryAsync('/x.Y/Z', grpcFrame(Buffer.from('ping'))).then((r) => {
      answered = true;
      return r;
    });
    expect(answered).toBe(false);
    expect((await reply).status).toBe(14);
  });
});
