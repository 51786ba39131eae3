import { describe, expect, it } from 'vitest';
import { runClosedLoop } from './closed-loop.ts';

describe('runClosedLoop', () => {
  it('keeps C requests in flight, counts successes and errors, and waits for stragglers', async () => {
    let inFlight = 0;
    let inFlightMax = 0;
    const result = await runClosedLoop({
      clients: 5,
      durationMs: 200,
      warmupMs: 50,
      issue: (_client, seq, done) => {
        inFlight++;
        inFlightMax = Math.max(inFlightMax, inFlight);
        setTimeout(() => {
          inFlight--;
          done(seq % 4 === 3 ? 'boom' : null);
        }, 2);
      },
    });
    expect(inFlightMax).toBe(5);
    expect(inFlight).toBe(0);
    expect(result.ops).toBeGreaterThan(0);
    expect(result.errors).toBeGreaterThan(0);
    expect(result.errorSamples).toEqual(['boom']);
    expect(result.latenciesMs).toHaveLength(result.ops);
    expect(Number.isFinite(result.opsPerSecond)).toBe(true);
  });
});
