// The suite every LogStorage must pass. An implementation's test file calls describeLogStorageCompliance with a
// factory; durable implementations also give `reopen`, and then the suite checks that what was saved survives
// close + reopen.
//
// The reference for every read is MemoryStorage's behaviour (etcd's MemoryStorage semantics): a dummy entry
// at the front holds the index and term of the last discarded entry.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftError, RaftErrorCode } from '../errors.ts';
import type { LogStorage } from '../storage.ts';
import { emptyConfState, EntryType, type ConfState, type Entry, type HardState, type Snapshot } from '../types.ts';
import { MemoryStorage } from './memory-storage.ts';

export interface LogStorageHarness {
  storage: LogStorage;
  /**
   * Opens a new instance over the same persisted state. The suite closes the previous instance first and
   * never uses it again.
   */
  reopen?: () => Promise<LogStorage>;
  /** Removes what the harness created. The suite has closed the current storage before calling it. */
  cleanup: () => Promise<void>;
}

export interface ComplianceOptions {
  /** fast-check runs of the model test (each run may fsync many times on a durable storage). */
  modelRuns?: number;
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export function entry(index: number, term: number, data: Uint8Array | string = ''): Entry {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { index, term, type: EntryType.Normal, data: bytes };
}

/** Entries [from, to] all of one term. */
export function entriesOf(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, `e${i}t${term}`));
  return out;
}

function codeOf(fn: () => unknown): RaftErrorCode | 'ok' | 'other' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof RaftError ? e.code : 'other';
  }
}

async function rejectionCodeOf(p: Promise<unknown>): Promise<RaftErrorCode | 'ok' | 'other'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof RaftError ? e.code : 'other';
  }
}

const confState3: ConfState = { ...emptyConfState(), voters: [1n, 2n, 3n], learners: [4n] };

function snapshotAt(index: number, term: number, data = 'snap'): Snapshot {
  return { metadata: { index, term, confState: confState3 }, data: new TextEncoder().encode(data) };
}

function plain(e: Entry): { index: number; term: number; type: EntryType; data: number[] } {
  return { index: e.index, term: e.term, type: e.type, data: [...e.data] };
}

/** Everything observable through ReadableLog, in a comparable form. */
function observe(s: LogStorage): unknown {
  const first = s.firstIndex();
  const last = s.lastIndex();
  const snap = s.snapshot();
  return {
    first,
    last,
    termBefore: s.term(first - 1),
    entries: last >= first ? s.entries(first, last + 1, NO_LIMIT).map(plain) : [],
    initial: s.initialState(),
    snapshot: { metadata: snap.metadata, data: [...snap.data] },
  };
}

export function describeLogStorageCompliance(
  name: string,
  factory: () => Promise<LogStorageHarness>,
  options: ComplianceOptions = {},
): void {
  describe(`LogStorage compliance: ${name}`, () => {
    let harness: LogStorageHarness | undefined;
    let current: LogStorage | undefined;

    async function open(): Promise<LogStorage> {
      harness = await factory();
      current = harness.storage;
      return current;
    }

    async function reopen(): Promise<LogStorage> {
      if (harness?.reopen === undefined) throw new Error('no reopen');
      await current?.close();
      current = undefined;
      current = await harness.reopen();
      return current;
    }

    afterEach(async () => {
      await current?.close();
      current = undefined;
      await harness?.cleanup();
      harness = undefined;
    });

    it('starts empty', async () => {
      const s = await open();
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(0);
      expect(s.term(0)).toBe(0);
      expect(codeOf(() => s.term(1))).toBe(RaftErrorCode.Unavailable);
      expect(codeOf(() => s.entries(1, 1, NO_LIMIT))).toBe(RaftErrorCode.Unavailable);
      expect(s.initialState().hardState).toEqual({ term: 0, vote: 0n, commit: 0 });
      expect(s.snapshot().metadata.index).toBe(0);
    });

    it('appends and reads entries and terms', async () => {
      const s = await open();
      await s.save({ entries: entriesOf(1, 5, 1) });
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(5);
      expect(s.entries(1, 6, NO_LIMIT).map(plain)).toEqual(entriesOf(1, 5, 1).map(plain));
      expect(s.entries(2, 4, NO_LIMIT).map((e) => e.index)).toEqual([2, 3]);
      expect(s.entries(3, 3, NO_LIMIT)).toEqual([]);
      for (let i = 1; i <= 5; i++) expect(s.term(i)).toBe(1);
      expect(codeOf(() => s.term(6))).toBe(RaftErrorCode.Unavailable);
      expect(codeOf(() => s.entries(0, 2, NO_LIMIT))).toBe(RaftErrorCode.Compacted);
      await s.save({ entries: entriesOf(6, 7, 2) });
      expect(s.lastIndex()).toBe(7);
      expect(s.term(7)).toBe(2);
    });

    it('truncates a conflicting suffix', async () => {
      const s = await open();
      await s.save({ entries: entriesOf(1, 5, 1) });
      await s.save({ entries: entriesOf(3, 4, 2) });
      expect(s.lastIndex()).toBe(4);
      expect([1, 2, 3, 4].map((i) => s.term(i))).toEqual([1, 1, 2, 2]);
      expect(codeOf(() => s.term(5))).toBe(RaftErrorCode.Unavailable);
      // Re-appending the tail replaces it even with the same terms.
      await s.save({ entries: [entry(4, 2, 'other')] });
      expect(new TextDecoder().decode(s.entries(4, 5, NO_LIMIT)[0].data)).toBe('other');
      // Replacing from the very first entry.
      await s.save({ entries: entriesOf(1, 2, 3) });
      expect(s.lastIndex()).toBe(2);
      expect(s.term(1)).toBe(3);
    });

    it('refuses an append that would leave a hole', async () => {
      const s = await open();
      await s.save({ entries: entriesOf(1, 3, 1) });
      await expect(s.save({ entries: entriesOf(5, 6, 1) })).rejects.toThrow();
      expect(s.lastIndex()).toBe(3);
    });

    it('limits entries by size but always returns one', async () => {
      const s = await open();
      const data = new Uint8Array(100);
      const ents = [1, 2, 3, 4, 5].map((i) => entry(i, 1, data));
      await s.save({ entries: ents });
      const size = 100 + 24; // entrySizeBytes of each
      expect(s.entries(1, 6, 0).length).toBe(1);
      expect(s.entries(1, 6, size - 1).length).toBe(1);
      expect(s.entries(1, 6, size).length).toBe(1);
      expect(s.entries(1, 6, 2 * size).length).toBe(2);
      expect(s.entries(1, 6, 3 * size - 1).length).toBe(2);
      expect(s.entries(2, 6, 3 * size).length).toBe(3);
      expect(s.entries(1, 6, NO_LIMIT).length).toBe(5);
    });

    it('compacts: firstIndex moves, the compacted index keeps its term', async () => {
      const s = await open();
      await s.save({ entries: [...entriesOf(1, 3, 1), ...entriesOf(4, 6, 2)] });
      await s.createSnapshot(4, confState3, new Uint8Array([1]));
      await s.compact(4);
      expect(s.firstIndex()).toBe(5);
      expect(s.lastIndex()).toBe(6);
      expect(s.term(4)).toBe(2);
      expect(codeOf(() => s.term(3))).toBe(RaftErrorCode.Compacted);
      expect(codeOf(() => s.entries(4, 6, NO_LIMIT))).toBe(RaftErrorCode.Compacted);
      expect(s.entries(5, 7, NO_LIMIT).map((e) => e.index)).toEqual([5, 6]);
      expect(await rejectionCodeOf(s.compact(4))).toBe(RaftErrorCode.Compacted);
      expect(await rejectionCodeOf(s.compact(2))).toBe(RaftErrorCode.Compacted);
      // Appending entries that are all compacted is a no-op; straddling ones keep the uncompacted part.
      await s.save({ entries: entriesOf(2, 3, 1) });
      expect(s.lastIndex()).toBe(6);
      await s.save({ entries: entriesOf(3, 7, 2) });
      expect(s.firstIndex()).toBe(5);
      expect(s.lastIndex()).toBe(7);
      // Compacting everything leaves only the dummy.
      await s.createSnapshot(7, confState3, new Uint8Array([2]));
      await s.compact(7);
      expect(s.firstIndex()).toBe(8);
      expect(s.lastIndex()).toBe(7);
      expect(s.term(7)).toBe(2);
      expect(codeOf(() => s.entries(8, 8, NO_LIMIT))).toBe(RaftErrorCode.Unavailable);
    });

    it('refuses to compact past the last index', async () => {
      const s = await open();
      await s.save({ entries: entriesOf(1, 3, 1) });
      await expect(s.compact(4)).rejects.toThrow();
      expect(s.firstIndex()).toBe(1);
    });

    it('creates snapshots without discarding entries, and refuses older ones', async () => {
      const s = await open();
      await s.save({ entries: [...entriesOf(1, 3, 1), ...entriesOf(4, 5, 2)], hardState: { term: 2, vote: 1n, commit: 5 } });
      const snap = await s.createSnapshot(4, confState3, new Uint8Array([7, 8]));
      expect(snap.metadata).toEqual({ index: 4, term: 2, confState: confState3 });
      expect([...snap.data]).toEqual([7, 8]);
      expect(s.snapshot().metadata.index).toBe(4);
      expect([...s.snapshot().data]).toEqual([7, 8]);
      expect(s.initialState().confState).toEqual(confState3);
      expect(s.firstIndex()).toBe(1);
      expect(s.lastIndex()).toBe(5);
      expect(await rejectionCodeOf(s.createSnapshot(4, confState3, new Uint8Array()))).toBe(RaftErrorCode.SnapOutOfDate);
      expect(await rejectionCodeOf(s.createSnapshot(2, confState3, new Uint8Array()))).toBe(RaftErrorCode.SnapOutOfDate);
      await expect(s.createSnapshot(6, confState3, new Uint8Array())).rejects.toThrow();
    });

    it('installs a snapshot from the leader, discarding every entry', async () => {
      const s = await open();
      await s.save({ entries: entriesOf(1, 8, 1) });
      await s.save({ snapshot: snapshotAt(5, 3), entries: [], hardState: { term: 3, vote: 2n, commit: 5 } });
      expect(s.firstIndex()).toBe(6);
      expect(s.lastIndex()).toBe(5);
      expect(s.term(5)).toBe(3);
      expect(codeOf(() => s.term(4))).toBe(RaftErrorCode.Compacted);
      expect(codeOf(() => s.term(6))).toBe(RaftErrorCode.Unavailable);
      expect(s.initialState()).toEqual({ hardState: { term: 3, vote: 2n, commit: 5 }, confState: confState3 });
      expect(new TextDecoder().decode(s.snapshot().data)).toBe('snap');
      // Entries after the snapshot in the same save are appended after it.
      await s.save({ snapshot: snapshotAt(10, 4, 'snap2'), entries: entriesOf(11, 12, 4) });
      expect(s.firstIndex()).toBe(11);
      expect(s.lastIndex()).toBe(12);
      expect(s.term(10)).toBe(4);
      expect(await rejectionCodeOf(s.save({ snapshot: snapshotAt(10, 4), entries: [] }))).toBe(RaftErrorCode.SnapOutOfDate);
      expect(await rejectionCodeOf(s.save({ snapshot: snapshotAt(7, 4), entries: [] }))).toBe(RaftErrorCode.SnapOutOfDate);
      expect(s.snapshot().metadata.index).toBe(10);
    });

    it('keeps the last hard state', async () => {
      const s = await open();
      await s.save({ entries: [], hardState: { term: 1, vote: 3n, commit: 0 } });
      await s.save({ entries: entriesOf(1, 2, 1), hardState: { term: 1, vote: 3n, commit: 2 } });
      await s.save({ entries: [] });
      expect(s.initialState().hardState).toEqual({ term: 1, vote: 3n, commit: 2 });
      const big: HardState = { term: 2 ** 40 + 7, vote: 0xfedcba9876543210n, commit: 2 };
      await s.save({ entries: [], hardState: big });
      expect(s.initialState().hardState).toEqual(big);
    });

    it('resolves every one of many concurrent saves, in order', async () => {
      const s = await open();
      const saves: Promise<void>[] = [];
      for (let i = 1; i <= 50; i++) {
        saves.push(s.save({ entries: [entry(i, 1, `x${i}`)], hardState: { term: 1, vote: 1n, commit: i - 1 } }));
        // Reads see a save at once, before it is durable.
        expect(s.lastIndex()).toBe(i);
      }
      await Promise.all(saves);
      expect(s.lastIndex()).toBe(50);
      expect(s.initialState().hardState.commit).toBe(49);
    });

    describe('durability (when the harness can reopen)', () => {
      it('keeps entries, truncations and the hard state across reopen', async () => {
        const s = await open();
        if (harness?.reopen === undefined) return;
        await s.save({ entries: entriesOf(1, 5, 1), hardState: { term: 1, vote: 2n, commit: 1 } });
        await s.save({ entries: entriesOf(4, 6, 2), hardState: { term: 2, vote: 3n, commit: 3 } });
        const before = observe(s);
        const r1 = await reopen();
        expect(observe(r1)).toEqual(before);
        await r1.save({ entries: entriesOf(7, 7, 2) });
        const r2 = await reopen();
        expect(r2.lastIndex()).toBe(7);
        expect(r2.entries(1, 8, NO_LIMIT).map((e) => e.term)).toEqual([1, 1, 1, 2, 2, 2, 2]);
      });

      it('keeps snapshots across reopen; the log restarts at the latest snapshot at the latest', async () => {
        const s = await open();
        if (harness?.reopen === undefined) return;
        await s.save({ entries: entriesOf(1, 10, 1), hardState: { term: 1, vote: 1n, commit: 10 } });
        await s.createSnapshot(6, confState3, new Uint8Array([6, 6]));
        await s.compact(4);
        const r1 = await reopen();
        expect(r1.snapshot().metadata).toEqual({ index: 6, term: 1, confState: confState3 });
        expect([...r1.snapshot().data]).toEqual([6, 6]);
        expect(r1.firstIndex()).toBeGreaterThanOrEqual(5);
        expect(r1.firstIndex()).toBeLessThanOrEqual(7);
        expect(r1.lastIndex()).toBe(10);
        expect(r1.entries(7, 11, NO_LIMIT).map(plain)).toEqual(entriesOf(7, 10, 1).map(plain));
        expect(r1.initialState()).toEqual({ hardState: { term: 1, vote: 1n, commit: 10 }, confState: confState3 });
        // An installed snapshot discards everything before it, also after reopen.
        await r1.save({ snapshot: snapshotAt(20, 5, 'leader'), entries: entriesOf(21, 22, 5) });
        const r2 = await reopen();
        expect(r2.firstIndex()).toBe(21);
        expect(r2.lastIndex()).toBe(22);
        expect(r2.term(20)).toBe(5);
        expect(new TextDecoder().decode(r2.snapshot().data)).toBe('leader');
        expect(r2.initialState().confState).toEqual(confState3);
      });
    });

    it('matches the in-memory model under random operations (and reopens, if durable)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(operationArb, { minLength: 1, maxLength: 30 }), async (ops) => {
          let s = await open();
          const model = new MemoryStorage();
          try {
            for (const op of ops) {
              if (op.kind === 'reopen') {
                if (harness?.reopen === undefined) continue;
                s = await reopen();
                compareAfterReopen(s, model);
              } else {
                await applyOp(op, s, model);
                expect(observe(s)).toEqual(observe(model));
              }
            }
          } finally {
            await current?.close();
            current = undefined;
            await harness?.cleanup();
            harness = undefined;
          }
        }),
        { numRuns: options.modelRuns ?? 20 },
      );
    });
  });
}

// ---- Model test ----

type Operation =
  | { kind: 'append'; back: number; count: number; termBump: number }
  | { kind: 'hardState'; term: number; commit: number }
  | { kind: 'createSnapshot'; back: number }
  | { kind: 'compact'; back: number }
  /** A leader's snapshot, newer than ours; it may land inside our log (whose tail then diverged). */
  | { kind: 'install'; ahead: number; back: number; termBump: number }
  | { kind: 'reopen' };

const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), back: fc.nat(4), count: fc.integer({ min: 1, max: 5 }), termBump: fc.nat(1) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('hardState' as const), term: fc.nat(9), commit: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('createSnapshot' as const), back: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('compact' as const), back: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('install' as const), ahead: fc.nat(3), back: fc.nat(4), termBump: fc.nat(1) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

/**
 * Applies one operation to the storage under test and to the model. Operations stay within what a correct
 * Raft core asks (no holes, snapshots only of entries in the log) and compact only up to the latest snapshot,
 * which is all a durable log can promise to keep across a restart.
 */
async function applyOp(op: Exclude<Operation, { kind: 'reopen' }>, s: LogStorage, model: MemoryStorage): Promise<void> {
  const last = model.lastIndex();
  const lastTerm = model.term(last);
  switch (op.kind) {
    case 'append': {
      // Raft never rewrites an entry a snapshot covers (it was committed).
      const from = Math.max(model.firstIndex(), model.snapshot().metadata.index + 1, last + 1 - op.back);
      const ents = entriesOf(from, from + op.count - 1, Math.max(1, lastTerm + op.termBump));
      model.append(ents);
      await s.save({ entries: ents });
      return;
    }
    case 'hardState': {
      const hs: HardState = { term: op.term, vote: BigInt(op.term % 4), commit: op.commit };
      model.setHardState(hs);
      await s.save({ entries: [], hardState: hs });
      return;
    }
    case 'createSnapshot': {
      const index = last - op.back;
      if (index <= model.snapshot().metadata.index || index < model.firstIndex()) return;
      const data = new TextEncoder().encode(`app@${index}`);
      model.createSnapshotSync(index, confState3, data);
      await s.createSnapshot(index, confState3, data);
      return;
    }
    case 'compact': {
      const index = model.snapshot().metadata.index - op.back;
      if (index < model.firstIndex()) return;
      model.compactSync(index);
      await s.compact(index);
      return;
    }
    case 'install': {
      const index = Math.max(model.snapshot().metadata.index + 1, last + op.ahead + 1 - op.back);
      const snap = snapshotAt(index, lastTerm + op.termBump, `inst@${index}`);
      model.applySnapshot(snap);
      await s.save({ snapshot: snap, entries: [] });
      return;
    }
  }
}

/**
 * A reopened log may have dropped entries between the last compaction and the latest snapshot (it may restart
 * at the snapshot), never one after it. Check that, then compact the model to the same point and compare all.
 */
function compareAfterReopen(s: LogStorage, model: MemoryStorage): void {
  const snapIndex = model.snapshot().metadata.index;
  expect(s.firstIndex()).toBeGreaterThanOrEqual(model.firstIndex());
  expect(s.firstIndex()).toBeLessThanOrEqual(Math.max(model.firstIndex(), snapIndex + 1));
  if (s.firstIndex() > model.firstIndex()) model.compactSync(s.firstIndex() - 1);
  expect(observe(s)).toEqual(observe(model));
}
