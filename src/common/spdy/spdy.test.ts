import { createHash } from 'node:crypto';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeHeaderPairs, encodeData, encodeHeaderPairs, encodePing, encodeRstStream, HeaderCompressor, RstStatus, SPDY3_HEADER_DICTIONARY, SpdyServerSession, type SpdyStream } from './index.ts';
import { SpdyTestClient } from './testing.ts';

describe('SPDY/3.1 server session', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  async function connect(onStream: (s: SpdyStream) => void): Promise<{ client: SpdyTestClient; session: () => SpdyServerSession }> {
    let session: SpdyServerSession | undefined;
    const server = net.createServer((socket) => {
      session = new SpdyServerSession(socket);
      session.on('stream', onStream);
      session.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    cleanups.push(() => {
      socket.destroy();
      server.close();
    });
    return { client: new SpdyTestClient(socket), session: () => session! };
  }

  it('builds the SPDY/3 dictionary byte for byte', () => {
    expect(SPDY3_HEADER_DICTIONARY.length).toBe(1423);
    expect(createHash('sha256').update(SPDY3_HEADER_DICTIONARY).digest('hex')).toBe('51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
  });

  it('writes header blocks that inflate as one stream, each ending on a sync flush', () => {
    const compressor = new HeaderCompressor();
    const headers = [new Map([['streamtype', ['error']]]), new Map(), new Map([['a', ['1', '2']]])];
    const blocks = headers.map((h) => compressor.compress(h));
    // Every block ends with the empty stored block a sync flush writes: Go's inflater needs it.
    for (const b of blocks) expect([...b.subarray(-5)]).toEqual([0, 0, 0, 0xff, 0xff]);
    const inflated = zlib.inflateSync(Buffer.concat(blocks), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const raw = headers.map((h) => encodeHeaderPairs(h));
    expect(inflated.equals(Buffer.concat(raw))).toBe(true);
    expect(decodeHeaderPairs(raw[2])).toEqual(new Map([['a', ['1', '2']]]));
  });

  it('answers each stream with a SYN_REPLY and carries data both ways with FIN', async () => {
    const { client } = await connect((s) => {
      expect(s.header('streamType')).toBe(s.id === 1 ? 'error' : 'stdout');
      s.on('data', (d: Buffer) => s.write(Buffer.from(`echo:${d.toString()}`)));
      s.on('end', () => s.end());
    });
    await client.open(1, { streamtype: 'error' });
    await client.open(3, { streamtype: 'stdout' });
    for (const id of [1, 3]) expect(await client.inflateBlock((await client.next('syn-reply', id)).headerBlock)).toEqual(new Map());
    client.send(3, 'hi');
    expect((await client.next('data', 3)).data.toString()).toBe('echo:hi');
    client.send(3, '', true);
    const fin = await client.next('data', 3);
    expect(fin.fin).toBe(true);
    expect(fin.data.length).toBe(0);
  });

  it('splits large writes into frames and keeps their order', async () => {
    const big = Buffer.alloc(200_000, 7);
    big.write('end', big.length - 3);
    const { client } = await connect((s) => s.end(big));
    await client.open(1, { streamtype: 'stdout' });
    expect(Buffer.from(await client.readToEnd(1), 'latin1').length).toBe(big.length);
  });

  it("echoes the client's pings, resets unknown streams, and aborts a stream the client resets", async () => {
    let aborted = false;
    const { client } = await connect((s) => s.on('close', () => (aborted = true)));
    client.socket.write(encodePing(5));
    expect((await client.next('ping')).id).toBe(5);
    client.socket.write(encodeData(9, Buffer.from('x'), false));
    expect((await client.next('rst-stream')).status).toBe(RstStatus.InvalidStream);
    await client.open(1, { streamtype: 'data' });
    await client.next('syn-reply', 1);
    client.socket.write(encodeRstStream(1, RstStatus.Cancel));
    for (let i = 0; i < 100 && !aborted; i++) await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBe(true);
  });

  it('drops the connection on a frame it cannot parse, never throwing', async () => {
    const errors: Error[] = [];
    const { client, session } = await connect(() => {});
    client.socket.write(encodePing(1));
    await client.next('ping');
    session().on('error', (e) => errors.push(e));
    const bad = Buffer.alloc(8);
    bad.writeUInt16BE(0x8000 | 2, 0); // version 2
    client.socket.write(bad);
    await client.next('goaway');
    expect(errors[0]?.message).toMatch(/unsupported SPDY version 2/);
  });
});
