import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from './echo-server.ts';
import { grpcFrame, GrpcFrameParser } from './grpc-frame.ts';
import { GRPC_STATUS_OK, Http2GrpcClient } from './http2-grpc-client.ts';

describe('Http2GrpcClient', () => {
  let echo: EchoServer;
  beforeAll(async () => {
    echo = await startEchoServer(Buffer.from('pong'));
  });
  afterAll(async () => {
    await echo.close();
  });

  it('makes many concurrent unary calls over few connections', async () => {
    const client = await Http2GrpcClient.connect([echo.url], { connections: 2 });
    const replies = await Promise.all(Array.from({ length: 200 }, () => client.unaryAsync('/x.Y/Z', grpcFrame(Buffer.from('ping')))));
    for (const r of replies) {
      expect(r.status).toBe(GRPC_STATUS_OK);
      expect(r.body?.toString()).toBe('pong');
    }
    await client.close();
  });

  it('reports trailers-only errors, request headers, and broken connections', async () => {
    const seen: http2.IncomingHttpHeaders[] = [];
    const server = http2.createServer();
    server.on('stream', (stream: http2.ServerHttp2Stream, headers) => {
      seen.push(headers);
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5', 'grpc-message': 'not%20found' }, { endStream: true });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = await Http2GrpcClient.connect([url], { connections: 1 });
    const reply = await client.unaryAsync('/etcdserverpb.KV/Put', grpcFrame(Buffer.from('x')));
    expect(reply).toEqual({ status: 5, message: 'not found', body: null });
    expect(seen[0][':path']).toBe('/etcdserverpb.KV/Put');
    expect(seen[0]['content-type']).toBe('application/grpc');
    expect(seen[0].te).toBe('trailers');
    await client.close();
    await new Promise<void>((done) => server.close(() => done()));
    await expect(Http2GrpcClient.connect([url], { connections: 1 })).rejects.toThrow();
  });

  it('streams messages both ways', async () => {
    const server = http2.createServer();
    server.on('stream', (stream: http2.ServerHttp2Stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      const parser = new GrpcFrameParser((m) => stream.write(grpcFrame(Buffer.concat([m, m]))));
      stream.on('data', (chunk: Buffer) => parser.push(chunk));
      stream.on('error', () => {});
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const client = await Http2GrpcClient.connect([`http://127.0.0.1:${(server.address() as AddressInfo).port}`], { connections: 1 });
    const got: string[] = [];
    await new Promise<void>((done) => {
      const stream = client.openStream('/x.Y/Stream', (m) => {
        got.push(m.toString());
        if (got.length === 2) {
          stream.cancel();
          done();
        }
      }, () => {});
      stream.write(grpcFrame(Buffer.from('a')));
      stream.write(grpcFrame(Buffer.from('b')));
    });
    expect(got).toEqual(['aa', 'bb']);
    await client.close();
    await new Promise<void>((done) => server.close(() => done()));
  });
});
