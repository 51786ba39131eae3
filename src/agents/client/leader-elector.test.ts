import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { ManualClock } from './clock.ts';
import { StatusError } from './errors.ts';
import { LeaderElector } from './leader-elector.ts';
import { LeaseLock, recordOf } from './lease-lock.ts';
import { formatMicroTime, parseMicroTime } from './micro-time.ts';

/** An in-memory Lease store with the apiserver's optimistic concurrency; `down` makes every call fail. */
class FakeLeases {
  lease: KubeObject | null = null;
  private rv = 0;
  down = new Set<string>();
  /** Calls from these candidates never complete (a hung connection). */
  hung = new Set<string>();

  client(who: string): ConstructorParameters<typeof LeaseLock>[0] {
    const check = async (): Promise<void> => {
      if (this.hung.has(who)) await new Promise(() => {});
      if (this.down.has(who)) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 503, reason: 'ServiceUnavailable', message: 'down' }, 14);
    };
    const fail = (code: number, reason: 'NotFound' | 'AlreadyExists' | 'Conflict'): never => {
      throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, reason, message: reason }, 0);
    };
    return {
      get: async () => {
        await check();
        return this.lease === null ? fail(404, 'NotFound') : structuredClone(this.lease);
      },
      create: async (_ns, obj) => {
        await check();
        if (this.lease !== null) fail(409, 'AlreadyExists');
        this.lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
      update: async (_ns, _name, obj) => {
        await check();
        if (this.lease === null) fail(404, 'NotFound');
        if (obj.metadata?.resourceVersion !== this.lease?.metadata?.resourceVersion) fail(409, 'Conflict');
        this.lease = { ...structuredClone(obj), metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
    };
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

interface Candidate {
  elector: LeaderElector;
  log: string[];
  run: Promise<void>;
}

function candidate(store: FakeLeases, clock: ManualClock, identity: string, leading: Set<string>, overlaps: string[]): Candidate {
  const log: string[] = [];
  const elector = new LeaderElector({
    lock: new LeaseLock(store.client(identity), 'kube-system', 'ctrl'),
    identity,
    clock,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    rng: () => 0.5,
    callbacks: {
      onStartedLeading: () => {
        if (leading.size > 0) overlaps.push(`${identity} started while ${[...leading].join(',')} led`);
        leading.add(identity);
        log.push(`start@${clock.now()}`);
      },
      onStoppedLeading: () => {
        leading.delete(identity);
        log.push(`stop@${clock.now()}`);
      },
      onNewLeader: (id) => log.push(`leader=${id}`),
    },
  });
  return { elector, log, run: elector.run() };
}

/** Advances time in 100 ms steps, letting the electors' promises settle after each. */
async function advance(clock: ManualClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await settle();
  }
}

describe('LeaderElector (manual clock, fake Lease store)', () => {
  it('one of two candidates leads; a graceful stop releases the lease and the other takes over at its next retry', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new FakeLeases();
    const leading = new Set<string>();
    const overlaps: string[] = [];
    const a = candidate(store, clock, 'a', leading, overlaps);
    await settle();
    const b = candidate(store, clock, 'b', leading, overlaps);
    await advance(clock, 20_000);
    expect([...leading]).toEqual(['a']);
    expect(b.log).toEqual(['leader=a']);
    const spec = store.lease?.spec as Record<string, unknown>;
    expect(spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(spec.acquireTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(parseMicroTime(spec.renewTime)).toBeGreaterThan(parseMicroTime(spec.acquireTime) as number); // renewed

    const stoppedAt = clock.now();
    await a.elector.stop();
    await a.run;
    expect(recordOf(store.lease as KubeObject)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    await advance(clock, 4_000); // b's retry period × (1 + 1.2 × 0.5) = 3.2 s at most
    expect([...leading]).toEqual(['b']);
    const takeover = Number(b.log.find((l) => l.startsWith('start@'))?.slice(6));
    expect(takeover - stoppedAt).toBeLessThanOrEqual(3_200);
    expect(recordOf(store.lease as KubeObject)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(overlaps).toEqual([]);
    await b.elector.stop();
  });

  it('a leader that cannot renew stops leading within the renew deadline, before the other may take over', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new FakeLeases();
    const leading = new Set<string>();
    const overlaps: string[] = [];
    const a = candidate(store, clock, 'a', leading, overlaps);
    await settle();
    const b = candidate(store, clock, 'b', leading, overlaps);
    await advance(clock, 5_000);
    expect([...leading]).toEqual(['a']);
    // a is cut off from the store (as if killed, or partitioned): it keeps its lease record but cannot renew.
    store.down.add('a');
    const cutAt = clock.now();
    await advance(clock, 30_000);
    const aStop = Number(a.log.find((l) => l.startsWith('stop@'))?.slice(5));
    const bStart = Number(b.log.find((l) => l.startsWith('start@'))?.slice(6));
    expect(aStop - cutAt).toBeLessThanOrEqual(10_000 + 2_000); // renew deadline (+ one retry period of slack)
    expect(bStart).toBeGreaterThan(aStop);
    expect(bStart - cutAt).toBeGreaterThanOrEqual(15_000 - 2_000); // only once the lease has expired as b sees it
    expect(bStart - cutAt).toBeLessThanOrEqual(15_000 + 2 * 3_200);
    expect(overlaps).toEqual([]);
    expect(recordOf(store.lease as KubeObject)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await a.run; // a's run ended when it lost the lease
    await b.elector.stop();
  });

  it('a leader whose calls hang stops leading by the renew deadline, not when the call returns', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const store = new FakeLeases();
    const leading = new Set<string>();
    const a = candidate(store, clock, 'a', leading, []);
    await advance(clock, 3_000);
    expect([...leading]).toEqual(['a']);
    store.hung.add('a');
    const hungAt = clock.now();
    await advance(clock, 12_000);
    const aStop = Number(a.log.find((l) => l.startsWith('stop@'))?.slice(5));
    expect(aStop - hungAt).toBeLessThanOrEqual(10_000);
    expect([...leading]).toEqual([]);
  });

  it('refuses inconsistent durations', () => {
    const lock = new LeaseLock(new FakeLeases().client('x'), 'ns', 'l');
    const base = { lock, identity: 'x', clock: new ManualClock(), callbacks: { onStartedLeading: () => {}, onStoppedLeading: () => {} } };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow('leaseDuration must be greater than renewDeadline');
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow('renewDeadline must be greater');
  });

  it('formats MicroTime with six fractional digits and reads it back', () => {
    const ms = Date.UTC(2026, 10, 23, 7, 8, 9, 123);
    expect(formatMicroTime(ms)).toBe('2026-11-23T07:08:09.123000Z');
    expect(parseMicroTime('2026-11-23T07:08:09.123456Z')).toBe(ms);
    expect(parseMicroTime('nope')).toBeNull();
  });
});
