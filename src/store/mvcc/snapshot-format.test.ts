import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot } from './snapshot-format.ts';

async function* records(n: number, valueBytes: number): AsyncGenerator<[Buffer, Buffer]> {
  for (let i = 0; i < n; i++) yield [Buffer.from(`k${i}`), Buffer.alloc(valueBytes, i % 251)];
}

describe('snapshot format', () => {
  it('round-trips records and refuses a flipped byte', async () => {
    const data = await encodeSnapshot(records(5_000, 100));
    const back = decodeSnapshot(data);
    expect(back).toHaveLength(5_000);
    expect(back[4_321][0].toString()).toBe('k4321');
    expect(back[4_321][1]).toEqual(Buffer.alloc(100, 4_321 % 251));
    const corrupt = Buffer.from(data);
    corrupt[100] ^= 1;
    expect(() => decodeSnapshot(corrupt)).toThrow(/checksum/);
  });

  it('lets the event loop run while it encodes a large database', async () => {
    // Records from a synchronous source never leave the microtask queue by themselves: only the encoder's own
    // yields let timers and I/O (a member's heartbeats) through.
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    try {
      const data = await encodeSnapshot(records(20_000, 1_024), () => new Promise((resolve) => setImmediate(resolve)));
      expect(data.length).toBeGreaterThan(20_000 * 1_024);
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThanOrEqual(5);
  });
});
