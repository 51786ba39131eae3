import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyConfState, type ConfState } from '../../types.ts';
import { describeLogStorageCompliance, entriesOf, entry } from '../log-storage-compliance.ts';
import { crc32, crc32Fallback } from './crc32.ts';
import { DurableStorage, SnapshotFileError, WalCorruptError } from './index.ts';
import { readFrame } from './record.ts';
import { snapshotFileName } from './snapshot-file.ts';

function payloadsOf(s: DurableStorage): string[] {
  if (s.lastIndex() < s.firstIndex()) return [];
  return s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => `${e.index}/${e.term}/${new TextDecoder().decode(e.data)}`);
}

/** What tenEntries() wrote, in order: entries 1..10, the hard state, entry 11. Checks `s` holds a prefix. */
function expectPrefixOfTenEntries(s: DurableStorage, expected: string[]): void {
  const got = payloadsOf(s);
  expect(got).toEqual(expected.slice(0, got.length));
  const hs = s.initialState().hardState;
  if (got.length === 11) expect(hs).toEqual({ term: 1, vote: 1n, commit: 3 });
  if (got.length < 10) expect(hs).toEqual({ term: 0, vote: 0n, commit: 0 });
}

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'barque-durable-'));
}

// Small segments, so the suite also exercises rotation and segment deletion.
describeLogStorageCompliance(
  'DurableStorage',
  async () => {
    const dir = await tempDir();
    const open = () => DurableStorage.open(dir, { segmentSizeBytes: 700 });
    return { storage: await open(), reopen: open, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  },
  { modelRuns: 25 },
);

// No payload kept in memory once written: every read of a written entry comes back from the WAL.
describeLogStorageCompliance(
  'DurableStorage reading payloads back from the WAL',
  async () => {
    const dir = await tempDir();
    const open = () => DurableStorage.open(dir, { segmentSizeBytes: 700, residentEntryBytes: 0 });
    return { storage: await open(), reopen: open, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
  },
  { modelRuns: 25 },
);

describe('DurableStorage', () => {
  const dirs: string[] = [];
  const open: DurableStorage[] = [];
  const voters: ConfState = { ...emptyConfState(), voters: [1n, 2n, 3n] };

  async function newDir(): Promise<string> {
    const dir = await tempDir();
    dirs.push(dir);
    return dir;
  }
  async function openAt(dir: string, options: Parameters<typeof DurableStorage.open>[1] = {}): Promise<DurableStorage> {
    const s = await DurableStorage.open(dir, options);
    open.push(s);
    return s;
  }
  async function segments(dir: string): Promise<string[]> {
    return (await fs.readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
  }
  /** Byte offsets of every record of a segment file, with the file's content. */
  async function recordOffsets(file: string): Promise<{ buf: Buffer; offsets: number[] }> {
    const buf = await fs.readFile(file);
    const offsets: number[] = [];
    for (let at = 0; ; ) {
      const f = readFrame(buf, at);
      if (f.kind !== 'record') break;
      offsets.push(at);
      at = f.next;
    }
    return { buf, offsets };
  }
  /** The torn bytes are gone: the file ends at `at`, or zeros follow (preallocated since). */
  async function expectCutAt(file: string, at: number): Promise<void> {
    const after = (await fs.readFile(file)).subarray(at);
    expect(after.every((byte) => byte === 0)).toBe(true);
  }

  /** A closed storage holding entries 1..10 (term 1), each in its own save, plus a hard state. */
  async function tenEntries(): Promise<{ dir: string; file: string }> {
    const dir = await newDir();
    const s = await openAt(dir);
    for (let i = 1; i <= 10; i++) await s.save({ entries: [entry(i, 1, `value-${i}`)] });
    await s.save({ entries: [], hardState: { term: 1, vote: 1n, commit: 3 } });
    await s.save({ entries: [entry(11, 1, 'last')] });
    await s.close();
    const [seg] = await segments(dir);
    return { dir, file: path.join(dir, seg) };
  }

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    for (const d of dirs.splice(0)) await fs.rm(d, { recursive: true, force: true });
  });

  it('keeps only residentEntryBytes of written payloads in memory and reads older ones back, also after a restart', async () => {
    const dir = await newDir();
    const budget = 10 * 1024;
    const value = (i: number) => `${i}:`.padEnd(1024, String.fromCharCode(97 + (i % 26)));
    let s = await openAt(dir, { residentEntryBytes: budget, segmentSizeBytes: 64 * 1024 });
    for (let i = 1; i <= 200; i += 4) await s.save({ entries: [1, 2, 3, 4].map((k) => entry(i + k - 1, 1, value(i + k - 1))) });
    // Truncate the tail: the rewritten entries replace the released or resident ones.
    await s.save({ entries: [entry(195, 2, 'new-195'), entry(196, 2, 'new-196')] });
    expect(s.stats().residentEntryBytes).toBeLessThanOrEqual(budget);
    const expected = [...Array.from({ length: 194 }, (_, k) => `${k + 1}/1/${value(k + 1)}`), '195/2/new-195', '196/2/new-196'];
    expect(payloadsOf(s)).toEqual(expected);
    // Sizes of released entries still bound a read: 3 KiB of payloads fit 2 entries of 1 KiB and their overhead.
    expect(s.entries(1, 100, 3 * 1024).map((e) => e.index)).toEqual([1, 2]);
    await s.close();
    s = await openAt(dir, { residentEntryBytes: budget, segmentSizeBytes: 64 * 1024 });
    expect(s.stats().residentEntryBytes).toBeLessThanOrEqual(budget);
    expect(payloadsOf(s)).toEqual(expected);
    await s.compact(100);
    expect(payloadsOf(s)).toEqual(expected.slice(100));
  });

  it('boots a new directory with the given membership, and keeps it', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { confState: voters });
    expect(s.initialState().confState).toEqual(voters);
    await s.close();
    const r = await openAt(dir, { confState: { ...emptyConfState(), voters: [9n] } });
    expect(r.initialState().confState).toEqual(voters);
    expect(r.lastIndex()).toBe(0);
  });

  it('group commit: saves issued in one turn share one write and one fdatasync', async () => {
    const s = await openAt(await newDir());
    const before = s.stats();
    const saves = [];
    for (let i = 1; i <= 100; i++) saves.push(s.save({ entries: [entry(i, 1, 'x')], hardState: { term: 1, vote: 0n, commit: i } }));
    await Promise.all(saves);
    const after = s.stats();
    expect(after.batches - before.batches).toBe(1);
    expect(after.walFsyncs - before.walFsyncs).toBe(1);
    expect(after.requests - before.requests).toBe(100);
    expect(after.entries - before.entries).toBe(100);
  });

  it('group commit: saves arriving during a write+fsync go out together in the next one', async () => {
    const s = await openAt(await newDir());
    const resolved: number[] = [];
    const first = s.save({ entries: [entry(1, 1)] }).then(() => resolved.push(1));
    // Let the first batch start its write; the following saves then queue behind it.
    await new Promise((r) => setImmediate(r));
    expect(resolved).toEqual([]);
    const rest = [];
    for (let i = 2; i <= 60; i++) rest.push(s.save({ entries: [entry(i, 1)] }).then(() => resolved.push(i)));
    await Promise.all([first, ...rest]);
    expect(s.stats().batches).toBe(2);
    expect(s.stats().walFsyncs).toBe(2);
    expect(resolved[0]).toBe(1);
    expect(resolved.length).toBe(60);
  });

  it('a commit-only hard state costs no fsync of its own and is written by the next batch or close', async () => {
    const dir = await newDir();
    const s = await openAt(dir);
    await s.save({ entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 1n, commit: 0 } });
    const fsyncs = s.stats().walFsyncs;
    await s.save({ entries: [], hardState: { term: 1, vote: 1n, commit: 1 } });
    expect(s.stats().walFsyncs).toBe(fsyncs);
    expect(s.initialState().hardState.commit).toBe(1);
    await s.save({ entries: [entry(3, 1)] });
    expect(s.stats().walFsyncs).toBe(fsyncs + 1);
    await s.save({ entries: [], hardState: { term: 1, vote: 1n, commit: 3 } });
    // A vote or term change is never lazy.
    await s.save({ entries: [], hardState: { term: 2, vote: 0n, commit: 3 } });
    expect(s.stats().walFsyncs).toBe(fsyncs + 2);
    // Lazy records queued while a batch is in flight wait for the next synced batch too.
    const inFlight = s.save({ entries: [entry(4, 2)] });
    await new Promise((r) => setImmediate(r));
    await s.save({ entries: [], hardState: { term: 2, vote: 0n, commit: 4 } });
    await inFlight;
    await new Promise((r) => setTimeout(r, 20));
    expect(s.stats().walFsyncs).toBe(fsyncs + 3);
    await s.close();
    const r = await openAt(dir);
    expect(r.initialState().hardState).toEqual({ term: 2, vote: 0n, commit: 4 });
    await r.save({ entries: [], hardState: { term: 2, vote: 0n, commit: 2 } });
    await r.close();
    expect((await openAt(dir)).initialState().hardState.commit).toBe(2);
  });

  it('preallocates the tail with zeros, replays a zero tail left by a crash as the end, and trims it on close', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 64 * 1024 });
    for (let i = 1; i <= 20; i++) await s.save({ entries: [entry(i, 1, `value-${i}`)] });
    const [seg] = await segments(dir);
    const file = path.join(dir, seg);
    // The zeros go ahead in the background: up to the segment's size bound.
    const deadline = Date.now() + 30_000;
    while ((await fs.stat(file)).size < 64 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect((await fs.stat(file)).size).toBe(64 * 1024);
    const { offsets, buf } = await recordOffsets(file);
    const end = (readFrame(buf, offsets[offsets.length - 1]) as { next: number }).next;
    expect(buf.subarray(end).every((byte) => byte === 0)).toBe(true);
    // A crash now leaves the zeros: a copy of the directory stands for the disk after it.
    const crashed = await newDir();
    await fs.cp(dir, crashed, { recursive: true });
    const r = await openAt(crashed);
    expect(payloadsOf(r)).toEqual(payloadsOf(s));
    // The log goes on where the records ended, over the zeros.
    await r.save({ entries: [entry(21, 1, 'after the crash')] });
    await r.close();
    const again = await openAt(crashed);
    expect(again.lastIndex()).toBe(21);
    expect(new TextDecoder().decode(again.entries(21, 22, Infinity)[0].data)).toBe('after the crash');
    await again.close();
    // A clean close cuts the zeros off.
    const [crashedSeg] = await segments(crashed);
    const trimmed = await recordOffsets(path.join(crashed, crashedSeg));
    const last = trimmed.offsets[trimmed.offsets.length - 1];
    expect((readFrame(trimmed.buf, last) as { next: number }).next).toBe(trimmed.buf.length);
  });

  it('seals a segment without zeros at rotation, so a sealed segment still allows no invalid byte', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 2048 });
    for (let i = 1; i <= 60; i++) await s.save({ entries: [entry(i, 1, 'forty bytes of data to fill the segments')] });
    const segs = await segments(dir);
    expect(segs.length).toBeGreaterThan(2);
    for (const seg of segs.slice(0, -1)) {
      const { buf, offsets } = await recordOffsets(path.join(dir, seg));
      expect((readFrame(buf, offsets[offsets.length - 1]) as { next: number }).next).toBe(buf.length);
    }
    const copy = await newDir();
    await fs.cp(dir, copy, { recursive: true });
    expect((await openAt(copy)).lastIndex()).toBe(60);
  });

  it('truncates a torn tail (file cut mid-record) and never applies it', async () => {
    const { dir, file } = await tenEntries();
    const { buf, offsets } = await recordOffsets(file);
    const lastStart = offsets[offsets.length - 1];
    await fs.truncate(file, lastStart + 11);
    const s = await openAt(dir);
    expect(s.lastIndex()).toBe(10);
    expect(s.initialState().hardState.commit).toBe(3);
    await expectCutAt(file, lastStart);
    // The log goes on from the cut.
    await s.save({ entries: [entry(11, 2, 'again')] });
    await s.close();
    const r = await openAt(dir);
    expect(r.term(11)).toBe(2);
    expect(buf.length).toBeGreaterThan(lastStart);
  });

  it('truncates a last record whose bytes were flipped', async () => {
    const { dir, file } = await tenEntries();
    const { buf, offsets } = await recordOffsets(file);
    const lastStart = offsets[offsets.length - 1];
    buf[buf.length - 2] ^= 0x40;
    await fs.writeFile(file, buf);
    const s = await openAt(dir);
    expect(s.lastIndex()).toBe(10);
    expect(new TextDecoder().decode(s.entries(10, 11, Infinity)[0].data)).toBe('value-10');
    await expectCutAt(file, lastStart);
  });

  it('after a cut at any byte of the last segment, opens to a prefix of what was written', async () => {
    const { dir, file } = await tenEntries();
    const original = await fs.readFile(file);
    const expected = payloadsOf(await openAt(dir));
    await open.pop()?.close();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: original.length - 1 }), async (cut) => {
        await fs.writeFile(file, original.subarray(0, cut));
        const s = await DurableStorage.open(dir);
        try {
          expectPrefixOfTenEntries(s, expected);
        } finally {
          await s.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('after any byte of the last segment is changed, opens to a prefix or refuses, never returns wrong data', async () => {
    const { dir, file } = await tenEntries();
    const original = await fs.readFile(file);
    const expected = payloadsOf(await openAt(dir));
    await open.pop()?.close();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: original.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const damaged = Buffer.from(original);
        damaged[at] ^= xor;
        await fs.writeFile(file, damaged);
        let s: DurableStorage;
        try {
          s = await DurableStorage.open(dir);
        } catch (e) {
          expect(e).toBeInstanceOf(WalCorruptError);
          return;
        }
        try {
          expectPrefixOfTenEntries(s, expected);
        } finally {
          await s.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses to open when a record in the middle is corrupt (valid records follow)', async () => {
    const { dir, file } = await tenEntries();
    const { buf, offsets } = await recordOffsets(file);
    buf[offsets[5] + 12] ^= 0x01; // a payload byte of entry 5
    await fs.writeFile(file, buf);
    await expect(DurableStorage.open(dir)).rejects.toThrow(WalCorruptError);
    await expect(DurableStorage.open(dir)).rejects.toThrow(/followed by a valid record/);
    // Nothing was truncated.
    expect((await fs.stat(file)).size).toBe(buf.length);
  });

  it('refuses to open when a length field in the middle is corrupt (not mistaken for a torn tail)', async () => {
    const { dir, file } = await tenEntries();
    const { buf, offsets } = await recordOffsets(file);
    buf.writeUInt32LE(0x00ffffff, offsets[4]);
    await fs.writeFile(file, buf);
    await expect(DurableStorage.open(dir)).rejects.toThrow(WalCorruptError);
  });

  it('refuses to open when a sealed (not the last) segment is damaged, even at its end', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 300 });
    for (let i = 1; i <= 30; i++) await s.save({ entries: [entry(i, 1, 'twenty bytes of data')] });
    await s.close();
    const segs = await segments(dir);
    expect(segs.length).toBeGreaterThan(2);
    const sealed = path.join(dir, segs[0]);
    await fs.truncate(sealed, (await fs.stat(sealed)).size - 3);
    await expect(DurableStorage.open(dir)).rejects.toThrow(/sealed segment/);
  });

  it('rotates segments, deletes those wholly below a snapshot on compaction, and recovers', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 2048, confState: voters });
    const data = new Uint8Array(100).fill(7);
    for (let i = 1; i <= 200; i += 10) {
      const batch = [];
      for (let k = i; k < i + 10; k++) batch.push(entry(k, 1, data));
      await s.save({ entries: batch, hardState: { term: 1, vote: 1n, commit: i + 9 } });
    }
    const created = s.stats().segmentsCreated;
    expect(created).toBeGreaterThan(5);
    const segmentsBefore = (await segments(dir)).length;
    await s.createSnapshot(150, voters, new Uint8Array([1, 5, 0]));
    await s.compact(150);
    const segmentsAfter = (await segments(dir)).length;
    expect(segmentsAfter).toBeLessThan(segmentsBefore);
    expect(s.stats().segmentsDeleted).toBe(segmentsBefore - segmentsAfter);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.snap'))).toEqual([snapshotFileName(150, 1)]);
    await s.close();
    const r = await openAt(dir);
    expect(r.snapshot().metadata.index).toBe(150);
    expect([...r.snapshot().data]).toEqual([1, 5, 0]);
    expect(r.firstIndex()).toBe(151);
    expect(r.lastIndex()).toBe(200);
    expect(r.entries(151, 201, Infinity).every((e) => e.data.length === 100 && e.data[0] === 7)).toBe(true);
    expect(r.initialState()).toEqual({ hardState: { term: 1, vote: 1n, commit: 200 }, confState: voters });
  });

  it('a segment compaction never runs ahead of the durable snapshot', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 512 });
    // The hard state is written once, into the first segment: it must survive that segment's deletion.
    await s.save({ entries: [], hardState: { term: 1, vote: 3n, commit: 1 } });
    for (let i = 1; i <= 60; i++) await s.save({ entries: [entry(i, 1, 'payload-payload')] });
    await s.createSnapshot(20, voters, new Uint8Array([2]));
    await s.compact(50); // memory may drop to 50; the WAL must keep everything after 20
    expect(s.firstIndex()).toBe(51);
    expect(s.stats().segmentsDeleted).toBeGreaterThan(0);
    expect((await segments(dir))[0]).not.toBe('0000000000000001.wal');
    await s.close();
    const r = await openAt(dir);
    expect(r.firstIndex()).toBe(21);
    expect(r.lastIndex()).toBe(60);
    expect(r.initialState()).toEqual({ hardState: { term: 1, vote: 3n, commit: 1 }, confState: voters });
  });

  it('ignores a snapshot file whose WAL marker never became durable, and temp files', async () => {
    const dir = await newDir();
    const s = await openAt(dir);
    await s.save({ entries: entriesOf(1, 5, 1) });
    await s.createSnapshot(3, voters, new Uint8Array([3]));
    await s.close();
    await fs.writeFile(path.join(dir, snapshotFileName(5, 1)), 'not really');
    await fs.writeFile(path.join(dir, `${snapshotFileName(5, 1)}.tmp`), 'half');
    const r = await openAt(dir);
    expect(r.snapshot().metadata.index).toBe(3);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('snap-'))).toEqual([snapshotFileName(3, 1)]);
  });

  it('fails to open when the snapshot the WAL names is corrupt', async () => {
    const dir = await newDir();
    const s = await openAt(dir);
    await s.save({ entries: entriesOf(1, 5, 1) });
    await s.createSnapshot(4, voters, new Uint8Array([4, 4, 4]));
    await s.close();
    const file = path.join(dir, snapshotFileName(4, 1));
    const buf = await fs.readFile(file);
    buf[buf.length - 1] ^= 0xff;
    await fs.writeFile(file, buf);
    await expect(DurableStorage.open(dir)).rejects.toThrow(SnapshotFileError);
  });

  it('recovers when the newest segment lost its header (crash while rotating)', async () => {
    const dir = await newDir();
    const s = await openAt(dir, { segmentSizeBytes: 256 });
    for (let i = 1; i <= 20; i++) await s.save({ entries: [entry(i, 1, 'some bytes here')], hardState: { term: 1, vote: 2n, commit: i } });
    await s.close();
    const segs = await segments(dir);
    const next = (parseInt(segs[segs.length - 1].slice(0, 16), 16) + 1).toString(16).padStart(16, '0');
    await fs.writeFile(path.join(dir, `${next}.wal`), Buffer.alloc(0));
    const r = await openAt(dir);
    expect(r.lastIndex()).toBe(20);
    await r.save({ entries: [entry(21, 1)] });
    await r.close();
    const again = await openAt(dir);
    expect(again.lastIndex()).toBe(21);
    expect(again.initialState().hardState).toEqual({ term: 1, vote: 2n, commit: 20 });
  });

  it('refuses writes after close; close is idempotent and waits for queued writes', async () => {
    const dir = await newDir();
    const s = await openAt(dir);
    const pending = s.save({ entries: [entry(1, 1)] });
    await s.close();
    await pending;
    await s.close();
    await expect(s.save({ entries: [entry(2, 1)] })).rejects.toThrow(/closed/);
    const r = await openAt(dir);
    expect(r.lastIndex()).toBe(1);
  });

  it('CRC-32: the fallback table agrees with the one in use', () => {
    for (const text of ['', 'a', '123456789', 'the quick brown fox'.repeat(50)]) {
      const bytes = new TextEncoder().encode(text);
      expect(crc32Fallback(bytes)).toBe(crc32(bytes));
    }
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
