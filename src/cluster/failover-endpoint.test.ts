import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FailoverEndpoint } from './failover-endpoint.ts';

/** A TCP server that answers every line with `<name>:<line>`. */
async function namedEcho(name: string): Promise<Server> {
  const server = createServer((s) => s.on('data', (b: Buffer) => s.write(`${name}:${b.toString()}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function ask(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(text));
    s.once('data', (b: Buffer) => {
      resolve(b.toString());
      s.destroy();
    });
    s.once('error', reject);
    s.once('close', () => resolve(''));
  });
}

describe('FailoverEndpoint', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it('forwards a connection to the first backend that accepts it, passing bytes through both ways', async () => {
    const dead = await freePort();
    const live = await namedEcho('b');
    cleanup.push(() => new Promise((r) => live.close(() => r())));
    const port = await freePort();
    const endpoint = new FailoverEndpoint({ host: '127.0.0.1', port, caPem: '', probeIntervalMs: 60_000, backends: [{ host: '127.0.0.1', port: dead }, { host: '127.0.0.1', port: (live.address() as AddressInfo).port }] });
    await endpoint.start();
    cleanup.push(() => endpoint.close());
    expect(await ask(port, 'hello')).toBe('b:hello');
    expect(await ask(port, 'again')).toBe('b:again');
  });

  it('closes the client when no backend accepts', async () => {
    const port = await freePort();
    const endpoint = new FailoverEndpoint({ host: '127.0.0.1', port, caPem: '', probeIntervalMs: 60_000, backends: [{ host: '127.0.0.1', port: await freePort() }] });
    await endpoint.start();
    cleanup.push(() => endpoint.close());
    expect(await ask(port, 'x')).toBe('');
  });
});
