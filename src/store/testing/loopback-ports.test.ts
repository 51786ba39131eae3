import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateLoopbackPortBlock, allocateLoopbackPorts } from './loopback-ports.ts';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

const held: Server[] = [];
function hold(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      held.push(s);
      done(true);
    });
  });
}

afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise((done) => s.close(done))));
});

describe('loopback ports for child processes', () => {
  it('hands out distinct ports below the ephemeral range, each one bindable', async () => {
    const ports = await allocateLoopbackPorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) {
      expect(p).toBeLessThan(ephemeralLow);
      expect(p).toBeGreaterThanOrEqual(1024);
      expect(await hold(p)).toBe(true);
    }
  });

  it('returns a block of consecutive free ports, stepping over one that is taken', async () => {
    const first = await allocateLoopbackPortBlock(5);
    // The next block would start right after; take a port inside it so the allocator has to move on.
    expect(await hold(first + 5 + 2)).toBe(true);
    const second = await allocateLoopbackPortBlock(5);
    expect(second === first + 5).toBe(false);
    for (let p = second; p < second + 5; p++) expect(await hold(p)).toBe(true);
  });

  it('rejects a block size it cannot serve', async () => {
    await expect(allocateLoopbackPortBlock(0)).rejects.toThrow(/port block size/);
  });
});
