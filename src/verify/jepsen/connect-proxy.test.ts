import { request } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectProxy, LinkTable } from './connect-proxy.ts';

const servers: Server[] = [];
const proxies: ConnectProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  for (const s of servers.splice(0)) s.close();
});

async function echoServer(): Promise<number> {
  const s = createServer((c) => c.pipe(c));
  servers.push(s);
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', () => done()));
  return (s.address() as AddressInfo).port;
}

/** CONNECT through the proxy; the status code and, on 200, the tunnel socket. */
function tunnel(proxyPort: number, target: number): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: `127.0.0.1:${target}` });
    req.once('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.once('error', reject);
    req.end();
  });
}

/** What comes back within a short while (empty when nothing does), and whether the socket closed. */
function roundTrip(socket: Socket, text: string): Promise<{ echoed: string; closed: boolean }> {
  return new Promise((resolve) => {
    let echoed = '';
    let closed = false;
    socket.on('data', (c: Buffer) => (echoed += c.toString()));
    socket.once('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(text);
    setTimeout(() => resolve({ echoed, closed }), 300);
  });
}

describe('ConnectProxy', () => {
  async function setup(): Promise<{ links: LinkTable; port: number; target: number; proxy: ConnectProxy }> {
    const target = await echoServer();
    const links = new LinkTable();
    const proxy = new ConnectProxy(0, (p) => (p === target ? 1 : undefined), links);
    proxies.push(proxy);
    return { links, port: await proxy.listen(), target, proxy };
  }

  it('tunnels to the CONNECT target while the link is up', async () => {
    const { port, target } = await setup();
    const t = await tunnel(port, target);
    expect(t.status).toBe(200);
    expect((await roundTrip(t.socket, 'ping')).echoed).toBe('ping');
    t.socket.destroy();
  });

  it('refuse: resets open tunnels of the cut link and answers 503 to new ones', async () => {
    const { links, port, target, proxy } = await setup();
    const open = await tunnel(port, target);
    links.block(0, 1, 'refuse');
    expect((await roundTrip(open.socket, 'x')).closed).toBe(true);
    expect((await tunnel(port, target)).status).toBe(503);
    // The reverse direction is another link, owned by the other member's proxy: untouched here.
    links.healAll();
    links.block(1, 0, 'refuse');
    const again = await tunnel(port, target);
    expect((await roundTrip(again.socket, 'ok')).echoed).toBe('ok');
    again.socket.destroy();
    expect(proxy.stats).toMatchObject({ refused: 1, reset: 1 });
  });

  it('drop: tunnels go silent, and are reset when the link heals', async () => {
    const { links, port, target } = await setup();
    const open = await tunnel(port, target);
    links.block(0, 1, 'drop');
    expect(await roundTrip(open.socket, 'lost')).toEqual({ echoed: '', closed: false });
    const fresh = await tunnel(port, target);
    expect(fresh.status).toBe(200);
    expect((await roundTrip(fresh.socket, 'lost too')).echoed).toBe('');
    links.healAll();
    expect((await roundTrip(open.socket, '')).closed).toBe(true);
    const healed = await tunnel(port, target);
    expect((await roundTrip(healed.socket, 'back')).echoed).toBe('back');
    healed.socket.destroy();
  });

  it('passes unknown targets through whatever is cut', async () => {
    const { links, port } = await setup();
    const other = await echoServer();
    links.block(0, 1, 'refuse');
    const t = await tunnel(port, other);
    expect((await roundTrip(t.socket, 'free')).echoed).toBe('free');
    t.socket.destroy();
  });
});
