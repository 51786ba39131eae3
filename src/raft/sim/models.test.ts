// Unit tests of the simulator's parts: event queue, network model, disk model, application, trace.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../rng.ts';
import { EntryType, MessageType, emptyConfState, message, type Entry } from '../types.ts';
import { AppState, decodeProposal, encodeProposal } from './app.ts';
import { SimDisk } from './disk.ts';
import { EventQueue } from './event-queue.ts';
import { HEALTHY_NETWORK, SimNetwork } from './network.ts';
import { Trace } from './trace.ts';

const ent = (index: number, term: number, id?: number): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: id === undefined ? new Uint8Array(0) : encodeProposal(id),
});

describe('EventQueue', () => {
  it('pops by time, ties in scheduling order, and advances the clock', () => {
    const q = new EventQueue<string>();
    q.schedule(5, 'c');
    q.schedule(1, 'a');
    q.schedule(5, 'd');
    q.schedule(1, 'b');
    q.schedule(0, 'now');
    const out: string[] = [];
    const times: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      out.push(e);
      times.push(q.nowMs);
    }
    expect(out).toEqual(['now', 'a', 'b', 'c', 'd']);
    expect(times).toEqual([0, 1, 1, 5, 5]);
  });

  it('schedules relative to the current virtual time', () => {
    const q = new EventQueue<number>();
    q.schedule(10, 1);
    q.pop();
    q.schedule(3, 2);
    expect(q.peekTimeMs()).toBe(13);
    expect(() => q.schedule(-1, 3)).toThrow();
  });

  it('keeps heap order over many random events', () => {
    const rng = new SeededRng(7);
    const q = new EventQueue<number>();
    for (let k = 0; k < 1000; k++) q.schedule(rng.int(100), k);
    let last = -1;
    const seqAt = new Map<number, number>();
    for (let e = q.pop(); e !== undefined; e = q.pop()) {
      expect(q.nowMs).toBeGreaterThanOrEqual(last);
      if (q.nowMs === last) expect(e).toBeGreaterThan(seqAt.get(last)!);
      seqAt.set(q.nowMs, e);
      last = q.nowMs;
    }
  });
});

describe('SimNetwork', () => {
  const m = (from: bigint, to: bigint) => message({ type: MessageType.App, from, to });

  it('delivers everything on a healthy network, in order per link', () => {
    const net = new SimNetwork(new SeededRng(1), { ...HEALTHY_NETWORK, delayMinMs: 1, delayMaxMs: 50 });
    let last = 0;
    for (let k = 0; k < 200; k++) {
      const fate = net.send(m(1n, 2n), 0);
      expect(fate.kind).toBe('delivered');
      if (fate.kind !== 'delivered') return;
      expect(fate.delaysMs).toHaveLength(1);
      expect(fate.delaysMs[0]).toBeGreaterThanOrEqual(last);
      last = fate.delaysMs[0];
    }
  });

  it('reorders only when asked to', () => {
    const net = new SimNetwork(new SeededRng(2), { ...HEALTHY_NETWORK, reorder: true, delayMinMs: 1, delayMaxMs: 50 });
    const delays: number[] = [];
    for (let k = 0; k < 100; k++) {
      const fate = net.send(m(1n, 2n), 0);
      if (fate.kind === 'delivered') delays.push(fate.delaysMs[0]);
    }
    expect(delays.some((d, k) => k > 0 && d < delays[k - 1])).toBe(true);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(50);
  });

  it('loses and duplicates at roughly the configured rates', () => {
    const net = new SimNetwork(new SeededRng(3), { ...HEALTHY_NETWORK, lossProbability: 0.2, duplicateProbability: 0.1 });
    let lost = 0;
    let dup = 0;
    for (let k = 0; k < 5000; k++) {
      const fate = net.send(m(1n, 2n), 0);
      if (fate.kind === 'dropped') lost++;
      else if (fate.delaysMs.length === 2) dup++;
    }
    expect(lost / 5000).toBeGreaterThan(0.17);
    expect(lost / 5000).toBeLessThan(0.23);
    expect(dup / 4000).toBeGreaterThan(0.07);
    expect(dup / 4000).toBeLessThan(0.13);
  });

  it('cuts links both ways, one way, by group, and heals per node', () => {
    const net = new SimNetwork(new SeededRng(4), HEALTHY_NETWORK);
    net.isolate(1n, [1n, 2n, 3n]);
    expect(net.connected(1n, 2n)).toBe(false);
    expect(net.connected(3n, 1n)).toBe(false);
    expect(net.connected(2n, 3n)).toBe(true);
    expect(net.send(m(1n, 2n), 0)).toEqual({ kind: 'dropped', reason: 'partition' });
    net.heal(1n);
    expect(net.connected(1n, 2n)).toBe(true);
    net.partition([1n], [2n, 3n], true);
    expect(net.connected(1n, 2n)).toBe(false);
    expect(net.connected(2n, 1n)).toBe(true);
    expect(net.affectedNodes()).toEqual([1n, 2n, 3n]);
    net.healAll();
    expect(net.cutLinkCount).toBe(0);
  });

  it('is deterministic per seed', () => {
    const fates = (seed: number) => {
      const net = new SimNetwork(new SeededRng(seed), { ...HEALTHY_NETWORK, lossProbability: 0.3, reorder: true, delayMaxMs: 40 });
      return Array.from({ length: 50 }, () => JSON.stringify(net.send(m(1n, 2n), 0)));
    };
    expect(fates(9)).toEqual(fates(9));
    expect(fates(9)).not.toEqual(fates(10));
  });
});

describe('SimDisk', () => {
  it('makes writes durable only after the covering fsync', () => {
    const disk = new SimDisk();
    const w1 = disk.write({ entries: [ent(1, 1, 1), ent(2, 1, 2)], hardState: { term: 1, vote: 1n, commit: 0 } });
    const w2 = disk.write({ entries: [ent(3, 1, 3)] });
    expect(disk.durableState().lastIndex).toBe(0);
    disk.syncThrough(w1);
    expect(disk.durableState().lastIndex).toBe(2);
    expect(disk.durableState().hardState.vote).toBe(1n);
    expect(disk.unsyncedCount).toBe(1);
    disk.syncThrough(w2);
    expect(disk.durableState().lastIndex).toBe(3);
  });

  it('loses unsynced writes on a crash, except a surviving prefix', () => {
    const disk = new SimDisk();
    disk.syncThrough(disk.write({ entries: [ent(1, 1, 1)] }));
    disk.write({ entries: [ent(2, 1, 2)] });
    disk.write({ entries: [ent(3, 1, 3)] });
    disk.crash(1);
    expect(disk.durableState().lastIndex).toBe(2);
    expect(disk.lostWrites).toBe(1);
    const storage = disk.recover();
    expect(storage.lastIndex()).toBe(2);
    expect(storage.term(2)).toBe(1);
  });

  it('truncates a conflicting suffix and installs snapshots', () => {
    const disk = new SimDisk();
    disk.syncThrough(disk.write({ entries: [ent(1, 1, 1), ent(2, 1, 2), ent(3, 1, 3)] }));
    disk.syncThrough(disk.write({ entries: [ent(2, 2, 9)] }));
    expect(disk.durableState().lastIndex).toBe(2);
    expect(disk.durableTerm(2)).toBe(2);
    const snap = { metadata: { index: 10, term: 3, confState: { ...emptyConfState(), voters: [1n] } }, data: new Uint8Array(0) };
    disk.syncThrough(disk.write({ entries: [], snapshot: snap }));
    const storage = disk.recover();
    expect(storage.firstIndex()).toBe(11);
    expect(storage.snapshot().metadata.index).toBe(10);
    expect(storage.initialState().confState.voters).toEqual([1n]);
  });

  it('records application snapshots with compaction as durable at once', () => {
    const disk = new SimDisk();
    const entries = Array.from({ length: 10 }, (_, k) => ent(k + 1, 1, k + 1));
    disk.syncThrough(disk.write({ entries, hardState: { term: 1, vote: 0n, commit: 10 } }));
    const app = new AppState();
    for (let id = 1; id <= 8; id++) app.applyProposal(id);
    expect(disk.snapshotAndCompact(8, emptyConfState(), app.encode(), 6)).toBeDefined();
    expect(disk.snapshotAndCompact(8, emptyConfState(), app.encode(), 6)).toBeUndefined();
    disk.crash(0);
    const storage = disk.recover();
    expect(storage.snapshot().metadata.index).toBe(8);
    expect(storage.lastIndex()).toBe(10);
    expect(AppState.decode(storage.snapshot().data, 8).digest).toBe(app.digest);
  });
});

describe('AppState', () => {
  it('encodes proposals and dedupes re-applied ones', () => {
    expect(decodeProposal(encodeProposal(123456))).toBe(123456);
    expect(decodeProposal(new Uint8Array(0))).toBeUndefined();
    const a = new AppState();
    expect(a.applyProposal(5)).toBe(true);
    expect(a.applyProposal(5)).toBe(false);
    a.applyProposal(7);
    const b = AppState.decode(a.encode(), 3);
    expect(b.ids).toEqual([5, 7]);
    expect(b.digest).toBe(a.digest);
    const c = new AppState();
    c.applyProposal(7);
    c.applyProposal(5);
    expect(c.digest).not.toBe(a.digest);
  });
});

describe('Trace', () => {
  it('keeps the tail in ring mode and everything in full mode', () => {
    let now = 0;
    const ring = new Trace(() => now, false, 3);
    const full = new Trace(() => now, true, 3);
    for (let k = 0; k < 5; k++) {
      now = k;
      ring.add(`line ${k}`);
      full.add(`line ${k}`);
    }
    expect(ring.kept()).toEqual(['t=0000002 line 2', 't=0000003 line 3', 't=0000004 line 4']);
    expect(full.kept()).toHaveLength(5);
    expect(ring.tail(2)).toEqual(['t=0000003 line 3', 't=0000004 line 4']);
  });
});
