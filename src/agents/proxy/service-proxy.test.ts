import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger.ts';
import { ServiceProxy } from './index.ts';
import type { Endpoints, Service } from './index.ts';

/** A backend on a pod address that answers every connection with its own name, then echoes. */
async function backend(ip: string, name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects and reads the first line; rejects with the socket error code. */
function firstLine(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, host);
    let data = '';
    c.on('data', (d) => {
      data += String(d);
      if (data.includes('\n')) {
        c.destroy();
        resolve(data.split('\n')[0]);
      }
    });
    c.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code)));
    c.on('end', () => reject(new Error('EOF')));
  });
}

const service = (name: string, clusterIP: string, port: number, nodePort?: number): Service => ({
  metadata: { name, namespace: 'default' },
  spec: { type: nodePort === undefined ? 'ClusterIP' : 'NodePort', clusterIP, ports: [{ name: 'web', port, protocol: 'TCP', ...(nodePort !== undefined ? { nodePort } : {}) }] },
});

const endpoints = (name: string, ready: { ip: string; port: number }[], notReady: { ip: string; port: number }[] = []): Endpoints => ({
  metadata: { name, namespace: 'default' },
  subsets: [...ready.map((r) => ({ addresses: [{ ip: r.ip }], ports: [{ name: 'web', port: r.port }] })), ...notReady.map((r) => ({ notReadyAddresses: [{ ip: r.ip }], ports: [{ name: 'web', port: r.port }] }))],
});

describe('ServiceProxy', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup() {
    const pods = await Promise.all(['127.64.200.2', '127.64.200.3', '127.64.200.4', '127.64.200.5'].map((ip, i) => backend(ip, `pod-${i}`).then((b) => ({ ...b, ip }))));
    for (const p of pods) cleanups.push(p.close);
    const proxy = new ServiceProxy({ nodeAddress: '127.64.200.1', logger: silentLogger() });
    cleanups.push(() => proxy.close());
    return { pods, proxy };
  }

  it('forwards ClusterIP and NodePort connections round robin to ready endpoints only', async () => {
    const { pods, proxy } = await setup();
    proxy.setServices([service('web', '127.10.250.1', 18080, 31080)], [endpoints('web', pods.slice(0, 3), [pods[3]])]);
    await proxy.settled();
    expect(proxy.listening().sort()).toEqual(['127.10.250.1:18080', '127.64.200.1:31080']);
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await firstLine('127.10.250.1', 18080));
    expect(new Set(seen)).toEqual(new Set(['pod-0', 'pod-1', 'pod-2']));
    expect(seen.slice(0, 3).sort()).toEqual(seen.slice(3).sort());
    expect(['pod-0', 'pod-1', 'pod-2']).toContain(await firstLine('127.64.200.1', 31080));
  });

  it('follows endpoint changes at the next connection, and skips a backend that refuses', async () => {
    const { pods, proxy } = await setup();
    proxy.setServices([service('web', '127.10.250.2', 18080)], [endpoints('web', pods.slice(0, 2))]);
    await proxy.settled();
    proxy.setServices([service('web', '127.10.250.2', 18080)], [endpoints('web', [pods[2]])]);
    for (let i = 0; i < 3; i++) expect(await firstLine('127.10.250.2', 18080)).toBe('pod-2');
    await pods[0].close();
    proxy.setServices([service('web', '127.10.250.2', 18080)], [endpoints('web', [pods[0], pods[1]])]);
    for (let i = 0; i < 4; i++) expect(await firstLine('127.10.250.2', 18080)).toBe('pod-1');
  });

  it('resets connections to a service without endpoints, and closes a removed service while its connections go on', async () => {
    const { pods, proxy } = await setup();
    proxy.setServices([service('empty', '127.10.250.3', 18080), service('web', '127.10.250.4', 18080)], [endpoints('web', [pods[0]])]);
    await proxy.settled();
    await expect(firstLine('127.10.250.3', 18080)).rejects.toThrow(/ECONNRESET|EOF/);

    const open = net.connect(18080, '127.10.250.4');
    const lines: string[] = [];
    open.on('data', (d) => lines.push(...String(d).split('\n').filter((l) => l !== '')));
    await expect.poll(() => lines).toEqual(['pod-0']);
    proxy.setServices([], []);
    await expect(firstLine('127.10.250.4', 18080)).rejects.toThrow('ECONNREFUSED');
    open.write('still here\n');
    await expect.poll(() => lines).toEqual(['pod-0', 'still here']);
    open.destroy();
  });
});
