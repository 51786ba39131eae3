import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PodAddressAllocator, PodAddressesExhaustedError, nodeAddressRange } from './index.ts';
import { parseCidr } from '../../../apiserver/allocation/ranges.ts';

describe('pod address ranges', () => {
  it('gives each node its own /24 in 127.64.0.0/10 with the node at .1', () => {
    expect(nodeAddressRange(0)).toMatchObject({ podCidr: '127.64.0.0/24', nodeAddress: '127.64.0.1' });
    expect(nodeAddressRange(3).podAddress(0)).toBe('127.64.3.2');
    expect(nodeAddressRange(300).podCidr).toBe('127.65.44.0/24');
    expect(nodeAddressRange(16383).podAddress(252)).toBe('127.127.255.254');
    expect(() => nodeAddressRange(16384)).toThrow(RangeError);
  });

  it('never overlaps the default service ClusterIP range', () => {
    const services = parseCidr('127.10.0.0/16');
    for (const n of [0, 255, 256, 16383]) {
      const r = nodeAddressRange(n);
      expect(services.offsetOf(r.nodeAddress)).toBe(-1);
      expect(services.offsetOf(r.podAddress(0))).toBe(-1);
    }
  });
});

describe('PodAddressAllocator', () => {
  it('is idempotent per uid, does not hand a released address straight back, and runs out loudly', () => {
    const a = new PodAddressAllocator(nodeAddressRange(1));
    const first = a.allocate('u1');
    expect(a.allocate('u1')).toBe(first);
    a.release('u1');
    expect(a.allocate('u2')).not.toBe(first);
    for (let i = 0; i < 252; i++) a.allocate(`x${i}`);
    expect(a.allocated).toBe(253);
    expect(() => a.allocate('one-too-many')).toThrow(PodAddressesExhaustedError);
    a.release('x5');
    expect(a.allocate('fits-again')).toMatch(/^127\.64\.1\./);
  });

  it('hands out addresses a server can bind and a client reach without any setup', async () => {
    const ip = new PodAddressAllocator(nodeAddressRange(9)).allocate('pod');
    const server = net.createServer((s) => s.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, ip, resolve));
    const port = (server.address() as net.AddressInfo).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, ip);
      let data = '';
      c.on('data', (d) => (data += String(d))).on('end', () => resolve(data)).on('error', reject);
    });
    expect(reply).toBe('hello');
    await new Promise((resolve) => server.close(resolve));
  });
});
