import { connect, createServer as createH2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthorityFixupSocket, normalizeAuthority } from './authority-fixup.ts';

describe('normalizeAuthority', () => {
  it('strips scheme and path, keeps plain authorities', () => {
    expect(normalizeAuthority('http://127.0.0.1:2379')).toBe('127.0.0.1:2379');
    expect(normalizeAuthority('https://h:1/x/y')).toBe('h:1');
    expect(normalizeAuthority('127.0.0.1:2379')).toBe('127.0.0.1:2379');
  });
});

describe('AuthorityFixupSocket in front of Node\'s HTTP/2 server', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  async function serve(): Promise<{ port: number; seen: IncomingHttpHeaders[] }> {
    const seen: IncomingHttpHeaders[] = [];
    const h2 = createH2Server();
    h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      seen.push(headers);
      stream.respond({ ':status': 200 });
      stream.end(String(headers[':authority']));
    });
    const net = createServer((socket) => h2.emit('connection', new AuthorityFixupSocket(socket)));
    await new Promise<void>((r) => net.listen(0, '127.0.0.1', r));
    closers.push(() => {
      net.close();
      h2.close();
    });
    return { port: (net.address() as AddressInfo).port, seen };
  }

  it('serves requests whose :authority is a URL, with every other header intact across many requests', async () => {
    const { port, seen } = await serve();
    const client = connect(`http://127.0.0.1:${port}`);
    closers.push(() => client.close());
    const answers: string[] = [];
    for (let i = 0; i < 60; i++) {
      // Repeated and changing values exercise nghttp2's Huffman coding and its dynamic table.
      const headers = {
        ':method': 'POST',
        ':path': `/etcdserverpb.Maintenance/Status`,
        ':authority': `http://127.0.0.1:${port}`,
        'content-type': 'application/grpc',
        'x-repeat': 'same-value-each-time',
        'x-changing': `value-${i}-${'z'.repeat(i * 7)}`,
      };
      const body = await new Promise<string>((resolve, reject) => {
        const req = client.request(headers);
        let data = '';
        req.setEncoding('utf8');
        req.on('data', (d: string) => (data += d));
        req.on('end', () => resolve(data));
        req.on('error', reject);
        req.end(Buffer.alloc(i * 1000, 1));
      });
      answers.push(body);
    }
    expect(answers.every((a) => a === `127.0.0.1:${port}`)).toBe(true);
    expect(seen).toHaveLength(60);
    seen.forEach((h, i) => {
      expect(h['x-repeat']).toBe('same-value-each-time');
      expect(h['x-changing']).toBe(`value-${i}-${'z'.repeat(i * 7)}`);
      expect(h[':path']).toBe('/etcdserverpb.Maintenance/Status');
    });
  });
});
