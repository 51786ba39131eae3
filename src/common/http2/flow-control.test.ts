// The windows our gRPC ends advertise: a peer of a widened server, and a server a widened client dials, must see
// 16 MiB per stream and for the connection instead of HTTP/2's 64 KiB.
import { afterEach, describe, expect, it } from 'vitest';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { FLOW_CONTROL_WINDOW_BYTES, WIDE_WINDOW_CHANNEL_OPTIONS, widenServerWindows } from './flow-control.ts';
import { listenGrpc } from './grpc-listener.ts';

const DEFAULT_WINDOW = 65_535;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What a plain HTTP/2 client is allowed to send to the server at `port`, once its settings arrived. */
async function windowsGranted(port: number): Promise<{ perStream: number; connection: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  cleanups.push(() => session.destroy());
  // A first request: listenGrpc's listener hands a connection to the server only then (connection-sniffer.ts).
  const call = session.request({ ':method': 'POST', ':path': '/t.T/Ping', 'content-type': 'application/grpc' });
  call.on('error', () => undefined);
  call.resume();
  call.end();
  await until(() => (session.remoteSettings.initialWindowSize ?? 0) > DEFAULT_WINDOW && (session.state.remoteWindowSize ?? 0) > DEFAULT_WINDOW, 'the server to open its windows');
  return { perStream: session.remoteSettings.initialWindowSize ?? 0, connection: session.state.remoteWindowSize ?? 0 };
}

describe('flow-control windows', () => {
  it('a listener made by listenGrpc grants 16 MiB per stream and per connection', async () => {
    const server = new grpc.Server();
    const listener = await listenGrpc(server, '127.0.0.1', 0);
    cleanups.push(() => listener.close(), () => server.forceShutdown());
    expect(await windowsGranted(listener.port)).toEqual({ perStream: FLOW_CONTROL_WINDOW_BYTES, connection: FLOW_CONTROL_WINDOW_BYTES });
  });

  it('a server bound with bindAsync grants them once widened, and widening twice adds nothing', async () => {
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    cleanups.push(() => server.forceShutdown());
    widenServerWindows(server);
    widenServerWindows(server);
    expect(await windowsGranted(port)).toEqual({ perStream: FLOW_CONTROL_WINDOW_BYTES, connection: FLOW_CONTROL_WINDOW_BYTES });
  });

  it('a grpc-js client with the channel options grants them to the server it dials', async () => {
    const granted: number[] = [];
    const h2 = http2.createServer();
    h2.on('session', (s) => s.on('remoteSettings', (settings) => granted.push(settings.initialWindowSize ?? DEFAULT_WINDOW)));
    h2.on('stream', (stream: http2.ServerHttp2Stream) => stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true }));
    await new Promise<void>((r) => h2.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => h2.close(r)));
    const client = new grpc.Client(`127.0.0.1:${(h2.address() as AddressInfo).port}`, grpc.credentials.createInsecure(), WIDE_WINDOW_CHANNEL_OPTIONS);
    cleanups.push(() => client.close());
    await new Promise<void>((resolve) => client.makeUnaryRequest('/t.T/Ping', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), () => resolve()));
    await until(() => granted.length > 0, 'the client settings');
    expect(granted).toContain(FLOW_CONTROL_WINDOW_BYTES);
  });
});
