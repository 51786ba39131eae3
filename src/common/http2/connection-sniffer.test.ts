import { connect, createServer as createH2Server, type ClientHttp2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { connect as connectTcp, createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sniffConnection, streamForDecision, type SniffDecision } from './connection-sniffer.ts';
import { encodeWithoutIndexing } from './hpack-decoder.ts';

describe('sniffConnection in front of Node\'s HTTP/2 server', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  async function serve(decideWithinMs = 1_000): Promise<{ port: number; decisions: SniffDecision['path'][]; seen: IncomingHttpHeaders[] }> {
    const decisions: SniffDecision['path'][] = [];
    const seen: IncomingHttpHeaders[] = [];
    const h2 = createH2Server();
    h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      seen.push(headers);
      const body: Buffer[] = [];
      stream.on('data', (d: Buffer) => body.push(d));
      stream.on('end', () => {
        stream.respond({ ':status': 200 });
        stream.end(`${String(headers[':authority'])} ${Buffer.concat(body).length}`);
      });
    });
    const net = createServer((socket) =>
      sniffConnection(
        socket,
        (d) => {
          decisions.push(d.path);
          h2.emit('connection', streamForDecision(socket, d));
        },
        { bufferedBytesMax: 1 << 20, decideWithinMs },
      ),
    );
    await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
    closers.push(() => {
      net.close();
      h2.close();
    });
    return { port: (net.address() as AddressInfo).port, decisions, seen };
  }

  function call(client: ClientHttp2Session, authority: string, i: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const req = client.request({ ':method': 'POST', ':path': '/etcdserverpb.KV/Put', ':authority': authority, 'x-n': `v-${i}` });
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (data += d));
      req.on('end', () => resolve(data));
      req.on('error', reject);
      req.end(Buffer.alloc(i * 700, 1));
    });
  }

  function dial(port: number): ClientHttp2Session {
    const client = connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.close());
    return client;
  }

  it('hands a client with a plain authority the bare socket, many requests, bodies intact', async () => {
    const { port, decisions, seen } = await serve();
    const client = dial(port);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(client, `127.0.0.1:${port}`, i)));
    expect(answers).toEqual(Array.from({ length: 40 }, (_, i) => `127.0.0.1:${port} ${i * 700}`));
    expect(decisions).toEqual(['native']);
    expect(seen.map((h) => h['x-n']).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `v-${i}`).sort());
  });

  it('routes a client whose first request carries a URL authority through the fix-up', async () => {
    const { port, decisions } = await serve();
    const client = dial(port);
    for (let i = 0; i < 5; i++) expect(await call(client, `http://127.0.0.1:${port}`, i)).toBe(`127.0.0.1:${port} ${i * 700}`);
    expect(decisions).toEqual(['fixup']);
  });

  it('waits for the first request of a client idle past the decision time, answering its PINGs meanwhile', async () => {
    const { port, decisions } = await serve(50);
    const client = dial(port);
    await new Promise<void>((r) => client.once('remoteSettings', () => r()));
    await new Promise<void>((r) => setTimeout(r, 150)); // idle past the preface timer on purpose
    expect(decisions).toEqual([]);
    const payload = Buffer.from('keepaliv');
    const echoed = await new Promise<Buffer>((resolve, reject) => client.ping(payload, (err, _ms, p) => (err ? reject(err) : resolve(p))));
    expect(echoed.equals(payload)).toBe(true);
    expect(decisions).toEqual([]);
    expect(await call(client, `127.0.0.1:${port}`, 3)).toBe(`127.0.0.1:${port} 2100`);
    // The bare socket; a PING after the handover is Node's server's to answer.
    expect(decisions).toEqual(['native']);
    expect(await new Promise<boolean>((resolve) => client.ping((err) => resolve(err === null)))).toBe(true);
  });

  it('serves a client that sends a request but never acknowledges our SETTINGS through the fix-up', async () => {
    const { port, decisions } = await serve(50);
    const socket = connectTcp(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    const received: Buffer[] = [];
    socket.on('data', (b: Buffer) => received.push(b));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const block = encodeWithoutIndexing([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/etcdserverpb.KV/Put'],
      [':authority', `127.0.0.1:${port}`],
    ]);
    const headers = Buffer.alloc(9);
    headers.writeUIntBE(block.length, 0, 3);
    headers[3] = 0x1; // HEADERS
    headers[4] = 0x4 | 0x1; // END_HEADERS | END_STREAM
    headers.writeUInt32BE(1, 5);
    socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), headers, block]));
    // The answer's HEADERS frame on stream 1 (type 1), among the server's frames.
    const answered = (): boolean => {
      const all = Buffer.concat(received);
      for (let at = 0; at + 9 <= all.length; at += 9 + all.readUIntBE(at, 3)) if (all[at + 3] === 0x1 && all.readUInt32BE(at + 5) === 1) return true;
      return false;
    };
    const deadline = Date.now() + 10_000;
    while (!answered() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(answered()).toBe(true);
    expect(decisions).toEqual(['fixup']);
  });

  it('serves a client silent past the decision time before its preface, with nothing of its own cut out', async () => {
    const { port, decisions } = await serve(50);
    const socket = connectTcp(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    await new Promise<void>((r) => setTimeout(r, 150)); // the sniffer decides before any byte arrived
    const client = connect(`http://127.0.0.1:${port}`, { createConnection: () => socket });
    closers.push(() => client.close());
    for (let i = 0; i < 3; i++) expect(await call(client, `127.0.0.1:${port}`, i)).toBe(`127.0.0.1:${port} ${i * 700}`);
    expect(decisions).toEqual(['fixup']);
  });

  it('decides an HTTP/1.x request line http1 when asked, even shorter than the preface, having written nothing', async () => {
    const decide = async (http1: boolean, request: string): Promise<{ d: SniffDecision; written: number }> => {
      const decided = new Promise<SniffDecision>((resolve) => {
        const net = createServer((socket) => sniffConnection(socket, (d) => (resolve(d), socket.destroy()), { bufferedBytesMax: 1 << 20, decideWithinMs: 60_000, http1 }));
        net.listen(0, '127.0.0.1', () => {
          const client = connectTcp((net.address() as AddressInfo).port, '127.0.0.1');
          client.on('data', (b: Buffer) => (written += b.length));
          client.on('error', () => undefined);
          client.write(request);
          closers.push(() => (client.destroy(), net.close()));
        });
      });
      let written = 0;
      const d = await decided;
      await new Promise((r) => setTimeout(r, 50));
      return { d, written };
    };
    const short = 'GET / HTTP/1.0\r\n\r\n'; // 18 bytes: shorter than the 24-byte preface
    expect(short.length).toBeLessThan(24);
    const asked = await decide(true, short);
    expect(asked.d.path).toBe('http1');
    expect(asked.d.buffered.toString('latin1')).toBe(short);
    expect(asked.written).toBe(0);
    expect((await decide(false, short)).d.path).toBe('native');
    expect((await decide(true, '\x16\x03\x01garbage-not-http')).d.path).toBe('native');
    // The method token in two packets: decided on the second.
    const split = await new Promise<SniffDecision>((resolve) => {
      const net = createServer((socket) => sniffConnection(socket, (d) => (resolve(d), socket.destroy()), { bufferedBytesMax: 1 << 20, decideWithinMs: 60_000, http1: true }));
      net.listen(0, '127.0.0.1', () => {
        const client = connectTcp((net.address() as AddressInfo).port, '127.0.0.1');
        client.setNoDelay(true);
        client.on('error', () => undefined);
        client.write('GE');
        setTimeout(() => client.write('T / HTTP/1.1\r\n\r\n'), 50);
        closers.push(() => (client.destroy(), net.close()));
      });
    });
    expect([split.path, split.buffered.toString('latin1')]).toEqual(['http1', 'GET / HTTP/1.1\r\n\r\n']);
  });

  it('destroys a connection that closes before deciding', async () => {
    const { port, decisions } = await serve(60_000);
    const socket = connectTcp(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.resume(); // read our SETTINGS, so that the end of the stream is seen
    socket.end('PRI * HTTP/2.0\r\n');
    await new Promise<void>((r) => socket.once('close', () => r()));
    expect(decisions).toEqual([]);
  });
});
