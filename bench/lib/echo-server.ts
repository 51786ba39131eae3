// A trivial gRPC server over node:http2 that answers every unary call with one fixed response message: the
// cheapest possible server, to measure what a client costs per request. `startEchoServer` runs it on this
// thread (tests); `startEchoServerThread` runs it on a worker thread so the calling thread's event-loop time is
// the client's alone.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { grpcFrame } from './grpc-frame.ts';

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

export async function startEchoServer(responseMessage: Buffer): Promise<EchoServer> {
  const frame = grpcFrame(responseMessage);
  const server = http2.createServer({ settings: { maxConcurrentStreams: 100_000 } });
  server.on('stream', (stream: http2.ServerHttp2Stream) => {
    stream.on('data', () => {});
    stream.on('error', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(frame);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

// The same server for a worker thread, in plain JavaScript (a worker started with `eval` needs no TS loader).
const WORKER_SOURCE = `
const http2 = require('node:http2');
const { parentPort, workerData } = require('node:worker_threads');
const message = Buffer.from(workerData.responseMessage);
const frame = Buffer.alloc(5 + message.length);
frame.writeUInt32BE(message.length, 1);
message.copy(frame, 5);
const server = http2.createServer({ settings: { maxConcurrentStreams: 100000 } });
server.on('stream', (stream) => {
  stream.on('data', () => {});
  stream.on('error', () => {});
  stream.on('end', () => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(frame);
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
`;

export async function startEchoServerThread(responseMessage: Buffer): Promise<EchoServer> {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { responseMessage: new Uint8Array(responseMessage) } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      worker.postMessage('close');
      await new Promise<void>((done) => {
        const timer = setTimeout(() => void worker.terminate().then(() => done()), 3000);
        worker.once('exit', () => {
          clearTimeout(timer);
          done();
        });
      });
    },
  };
}
