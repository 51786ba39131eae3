// The MVCC store: etcd's key-value semantics over one classic-level database.
//
// Writes happen inside a batch (beginBatch … commitBatch): each request is applied synchronously to the
// in-memory index and resident latest values, and its records are staged; commitBatch writes everything staged,
// plus the caller's applied index, as one classic-level batch. The batch is published (its events announced,
// the revision served to watchers) before that write completes, as etcd notifies watchers from its in-memory
// transaction before bbolt commits: a member that crashes first replays the entries from its Raft log. Reads are
// synchronous too: latest values from memory (those within the resident budget, resident-values.ts), the others and
// history from records not yet flushed or from disk (getSync).
// A failed disk write leaves memory ahead of disk; the store refuses further work and must be reopened.
//
// Disk layout (see docs/mvcc.md): 'k' + revision key -> KeyValue record; 'm' + name -> meta (uint64).

import { ClassicLevel } from 'classic-level';
import { assert } from '../../raft/assert.ts';
import { Crc32c, ETCD_KEY_BUCKET, decodeKeyValue, encodeEtcdKeyValue, encodeKeyValue, encodeTombstone, DeletedKeyValue } from './codec.ts';
import { errCompacted, errFutureRev, errKeyNotFound, errLeaseNotFound } from './errors.ts';
import type { KeyIndex, IndexHit } from './key-index.ts';
import { rangeContains, toKeyRange } from './key-range.ts';
import { ABSENT_KV, compareKeyValue, finishRange, needsAllKeys } from './range-query.ts';
import {
  compareRevision,
  decodeRevision,
  encodeRevisionInto,
  readUint64,
  REVISION_BYTES,
  revisionId,
  writeUint64,
  type Revision,
} from './revision.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot-format.ts';
import { TreeIndex } from './tree-index.ts';
import { isReleased } from './released.ts';
import { RESIDENT_VALUE_BYTES_DEFAULT, ResidentValues } from './resident-values.ts';
import {
  checkDeleteRequest,
  checkPutRequest,
  checkRangeRequest,
  checkTxnRequest,
  DEFAULT_MAX_TXN_OPS,
} from './txn-check.ts';
import {
  CompareTarget,
  EventType,
  type Compare,
  type CompactionRequest,
  type CompactionResponse,
  type DeleteRangeRequest,
  type DeleteRangeResponse,
  type Event,
  type KeyValue,
  type PutRequest,
  type PutResponse,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseOp,
  type TxnRequest,
  type TxnResponse,
} from './types.ts';

export type MvccDb = ClassicLevel<Buffer, Buffer>;

/** Structured logger (pino-compatible subset). */
export interface MvccLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MvccOptions {
  logger?: MvccLogger;
  /** etcd's --max-txn-ops. */
  maxTxnOps?: number;
  /** Whether a lease exists; puts naming an unknown lease fail with ErrLeaseNotFound. Absent: all exist. */
  leaseExists?: (lease: bigint) => boolean;
  /** Deletions per classic-level batch during physical compaction. */
  compactionBatchSize?: number;
  /**
   * Whether each committed batch is fsynced (LevelDB's sync write) before commitBatch resolves, so an
   * acknowledged write survives kill -9 and power loss. Default true; tests of pure semantics may turn it off.
   */
  syncWrites?: boolean;
  /** Bytes of latest values kept in memory; the others are read from disk (resident-values.ts). */
  residentValueBytes?: number;
  /** Records per classic-level write when a committed batch is written in parts (see writeInParts). */
  writeChunkRecords?: number;
  /** Lets the event loop run between slices of a long job (snapshot encoding); by default it does not. */
  nextTurn?: () => Promise<void>;
}

/**
 * A copy in memory of its own. Buffer.from copies a small array into a slice of a shared 8 KiB pool, and one
 * resident slice keeps the whole slab alive: 10,000 resident 1 KiB values overwritten at random pinned ~8x their
 * size (measured: ~120 MiB of ArrayBuffers per member under put load instead of ~13).
 */
function ownedCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

export type DbOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

/** What a batch writes: records and meta, and tombstones encoded only when written (see DeletedKeyValue). */
type BatchOp = DbOp | DeletedKeyValue;

/**
 * Writes ops as one atomic classic-level batch. A chained batch, not db.batch(array): the array form costs 12-20 us
 * of main-thread time per op (it validates and copies each op object, and the binding reads them back property by
 * property), the chained form about 2-4 us, for the same single LevelDB write.
 */
function writeOps(db: MvccDb, ops: readonly BatchOp[], sync: boolean): Promise<void> {
  const batch = db.batch();
  for (const op of ops) {
    if (op instanceof DeletedKeyValue) batch.put(dbRevisionKey(op.rev, true), encodeTombstone(op.name));
    else if (op.type === 'put') batch.put(op.key, op.value);
    else batch.del(op.key);
  }
  return batch.write({ sync });
}

export interface CommitMeta {
  /** Raft index of the last entry applied in this batch; stored as the consistent index in the same write. */
  appliedIndex?: number;
  /** Other rooms' records (leases, membership…) to write atomically with this batch; keys must not start with 'k' or 'm'. */
  extraOps?: DbOp[];
}

export interface CommittedBatch {
  /** Revision before the batch; the batch's events have revisions in (previousRevision, revision]. */
  previousRevision: number;
  revision: number;
  /** Every change of the batch, in revision then sub-revision order, with prevKv. */
  events: Event[];
  appliedIndex: number;
}

export interface CompactionResult {
  response: CompactionResponse;
  /** Settles once the compacted history is deleted from disk (etcd's physical = true waits for it). */
  done: Promise<void>;
}

export interface HashResult {
  hash: number;
  revision: number;
}

export interface HashKvResult {
  hash: number;
  compactRevision: number;
  revision: number;
}

export const KEY_PREFIX = 0x6b; // 'k'
export const META_PREFIX = 0x6d; // 'm'
const META_CONSISTENT_INDEX = metaKey('consistent_index');
const META_SCHEDULED_COMPACT = metaKey('scheduled_compact_rev');
const META_FINISHED_COMPACT = metaKey('finished_compact_rev');
/** Present while a batch is written in parts: the revision before it; records past it are not yet a whole batch. */
const META_PARTIAL_BATCH = metaKey('partial_batch_rev');
const WRITE_CHUNK_RECORDS_DEFAULT = 4096;
const EMPTY = Buffer.alloc(0);
const RESTORE_CHUNK = 1000;
const noopLogger: MvccLogger = { info() {}, warn() {}, error() {} };

function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([META_PREFIX]), Buffer.from(name)]);
}

function uint64Buffer(n: number): Buffer {
  const buf = Buffer.allocUnsafe(8);
  writeUint64(buf, n, 0);
  return buf;
}

function dbRevisionKey(rev: Revision, tombstone = false): Buffer {
  const buf = Buffer.allocUnsafe(1 + REVISION_BYTES + (tombstone ? 1 : 0));
  buf[0] = KEY_PREFIX;
  encodeRevisionInto(buf, 1, rev, tombstone);
  return buf;
}

interface OpenBatch {
  previousRevision: number;
  ops: BatchOp[];
  events: Event[];
  unflushedIds: string[];
  compactions: Array<{ revision: number; keep: Set<string>; settle: (err?: unknown) => void }>;
}

/** One write request in progress: all its changes share main revision beginRev + 1. */
interface WriteTxn {
  beginRev: number;
  changes: number;
  events: Event[];
}

interface TxnPlan {
  succeeded: boolean;
  nested: TxnPlan[];
}

export class MvccStore {
  private readonly index = new TreeIndex();
  private readonly log: MvccLogger;
  private readonly maxTxnOps: number;
  private currentRev = 1;
  /** etcd's compactMainRev: -1 until the first compaction, so that compacting at revision 0 or 1 succeeds once. */
  private compactedRev = -1;
  private durableRev = 1;
  /** The last batch announced to listeners; batches in (durableRev, publishedRev] are `inFlight`. */
  private publishedRev = 1;
  /** Published batches whose write has not completed, oldest first: history reads serve them from here. */
  private inFlight: CommittedBatch[] = [];
  private appliedIndex = 0;
  private readonly leaseKeys = new Map<bigint, Set<string>>();
  /** Records staged or in flight to disk, by revision id: history reads look here before disk. */
  private readonly unflushed = new Map<string, KeyValue>();
  private readonly resident: ResidentValues;
  private batch: OpenBatch | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private compactionChain: Promise<void> = Promise.resolve();
  /** Bumped by restore and close: background compaction of an older epoch stops. */
  private epoch = 0;
  private failure: unknown = undefined;
  private closed = false;
  private readonly listeners = new Set<(batch: CommittedBatch) => void>();
  private durableWaiters: Array<{ revision: number; resolve: () => void }> = [];

  private constructor(
    private readonly db: MvccDb,
    private readonly ownsDb: boolean,
    private readonly options: MvccOptions,
  ) {
    this.log = options.logger ?? noopLogger;
    this.maxTxnOps = options.maxTxnOps ?? DEFAULT_MAX_TXN_OPS;
    this.resident = new ResidentValues(options.residentValueBytes ?? RESIDENT_VALUE_BYTES_DEFAULT);
  }

  /** Opens (creating if needed) the store in a directory, or over an open or unopened buffer-encoded database. */
  static async open(location: string | MvccDb, options: MvccOptions = {}): Promise<MvccStore> {
    const owns = typeof location === 'string';
    const db = owns ? new ClassicLevel<Buffer, Buffer>(location, { keyEncoding: 'buffer', valueEncoding: 'buffer' }) : location;
    assert(
      db.keyEncoding().commonName === 'buffer' && db.valueEncoding().commonName === 'buffer',
      'the MVCC database needs keyEncoding and valueEncoding "buffer"',
    );
    await db.open();
    const store = new MvccStore(db, owns, options);
    await store.load();
    return store;
  }

  // ---- state -------------------------------------------------------------------------------------------------

  /** The latest revision applied in memory (including an open batch). */
  get revision(): number {
    return this.currentRev;
  }

  /** The latest revision known to be on disk. */
  get durableRevision(): number {
    return this.durableRev;
  }

  /** The latest revision whose batch was announced through onCommitted (on disk or being written). */
  get publishedRevision(): number {
    return this.publishedRev;
  }

  /** Bytes of latest values held in memory (at most the residentValueBytes option, see resident-values.ts). */
  get residentValueBytes(): number {
    return this.resident.bytes;
  }

  /** Keys the index holds, deleted ones whose history is not compacted away included (etcd's keys gauge). */
  get keyCount(): number {
    return this.index.size;
  }

  /** The compacted revision; -1 when the store was never compacted (as etcd's HashKV reports it). */
  get compactRevision(): number {
    return this.compactedRev;
  }

  /** The applied index stored by the last commitBatch (etcd's consistent index). */
  get consistentIndex(): number {
    return this.appliedIndex;
  }

  get inBatch(): boolean {
    return this.batch !== undefined;
  }

  /** The underlying database, for other rooms' reads under their own prefixes. */
  get database(): MvccDb {
    return this.db;
  }

  onCommitted(listener: (batch: CommittedBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- batches -----------------------------------------------------------------------------------------------

  beginBatch(): void {
    this.assertUsable();
    assert(this.batch === undefined, 'beginBatch with a batch already open');
    this.batch = { previousRevision: this.currentRev, ops: [], events: [], unflushedIds: [], compactions: [] };
  }

  /** Publishes the open batch (see commit) and resolves with it once it is on disk. */
  async commitBatch(meta: CommitMeta = {}): Promise<CommittedBatch> {
    const { batch, written } = this.commit(meta);
    await written;
    return batch;
  }

  /**
   * Closes the open batch: its changes are already in memory; this announces its events to the listeners now,
   * synchronously, and writes it and the meta as one classic-level batch. `written` settles once the write has
   * completed (and rejects, the store then refusing all further work, if it failed).
   */
  commit(meta: CommitMeta = {}): { batch: CommittedBatch; written: Promise<void> } {
    this.assertUsable();
    const b = this.batch;
    assert(b !== undefined, 'commit without an open batch');
    this.batch = undefined;
    if (meta.appliedIndex !== undefined) {
      assert(meta.appliedIndex >= this.appliedIndex, () => `applied index going back: ${meta.appliedIndex} < ${this.appliedIndex}`);
      this.appliedIndex = meta.appliedIndex;
      b.ops.push({ type: 'put', key: META_CONSISTENT_INDEX, value: uint64Buffer(meta.appliedIndex) });
    }
    for (const op of meta.extraOps ?? []) {
      assert(op.key.length > 0 && op.key[0] !== KEY_PREFIX && op.key[0] !== META_PREFIX, 'extra op in the MVCC prefixes');
      b.ops.push(op);
    }
    const committed: CommittedBatch = {
      previousRevision: b.previousRevision,
      revision: this.currentRev,
      events: b.events,
      appliedIndex: this.appliedIndex,
    };
    this.publishedRev = committed.revision;
    if (committed.revision > this.durableRev) this.inFlight.push(committed);
    const written = (b.ops.length > 0 ? this.writeInParts(b.ops, b.previousRevision) : Promise.resolve()).then(
      () => {
        for (const id of b.unflushedIds) this.unflushed.delete(id);
        this.markDurable(committed.revision);
        for (const c of b.compactions) this.scheduleCompaction(c.revision, c.keep, c.settle);
      },
      (err: unknown) => {
        // enqueueWrite has made the store refuse further work.
        for (const c of b.compactions) c.settle(err);
        this.log.error({ err }, 'mvcc batch write failed; the store must be reopened');
        throw err;
      },
    );
    for (const listener of this.listeners) listener(committed);
    return { batch: committed, written };
  }

  /** Convenience: runs fn in its own batch and commits it, even when fn throws (then rethrows). */
  async writeBatch<T>(fn: (store: this) => T, meta?: CommitMeta): Promise<T> {
    this.beginBatch();
    let result: T;
    try {
      result = fn(this);
    } catch (err) {
      await this.commitBatch(meta);
      throw err;
    }
    await this.commitBatch(meta);
    return result;
  }

  /**
   * Resolves once every batch committed so far is on disk (fsynced), also with syncWrites off: a sync write of
   * the applied index after them (LevelDB's log is one sequential file, so syncing it covers what came before).
   * The Raft log is compacted only past what this made durable.
   */
  sync(): Promise<void> {
    this.assertUsable();
    return this.enqueueWrite([{ type: 'put', key: META_CONSISTENT_INDEX, value: uint64Buffer(this.appliedIndex) }], true);
  }

  /**
   * Writes a committed batch: one classic-level write, or, for a batch of many records (a DeleteRange of 200,000
   * keys, as etcdctl check perf ends with), its records in parts of writeChunkRecords and then the meta (applied
   * index, extra ops) in a last write of its own. One LevelDB write of the whole took its size several times
   * over in native memory (the write batch, then the memtable it all went into): ~400 MiB of peak RSS per member
   * for that DeleteRange. The first part records META_PARTIAL_BATCH and the last removes it; a store opened with
   * it present drops the records past it (load), and the Raft log, whose applied index the last part would have
   * moved, applies the entries again.
   */
  private writeInParts(ops: BatchOp[], previousRevision: number): Promise<void> {
    const chunk = this.options.writeChunkRecords ?? WRITE_CHUNK_RECORDS_DEFAULT;
    if (ops.length <= chunk) return this.enqueueWrite(ops); // every commit of a put or two: no filtering
    const isRecord = (op: BatchOp): boolean => op instanceof DeletedKeyValue || op.key[0] === KEY_PREFIX;
    const records = ops.filter(isRecord);
    if (records.length <= chunk) return this.enqueueWrite(ops);
    for (let i = 0; i < records.length; i += chunk) {
      const part: BatchOp[] = records.slice(i, i + chunk);
      if (i === 0) part.push({ type: 'put', key: META_PARTIAL_BATCH, value: uint64Buffer(previousRevision) });
      // The last write's sync covers these (LevelDB's log is one sequential file); a failure fails it too.
      this.enqueueWrite(part, false).catch(() => undefined);
    }
    const rest = ops.filter((op) => !isRecord(op));
    return this.enqueueWrite([...rest, { type: 'del', key: META_PARTIAL_BATCH }]);
  }

  private enqueueWrite(ops: readonly BatchOp[], sync = this.options.syncWrites ?? true): Promise<void> {
    // After a failed write nothing later may reach the disk: its applied index would skip the lost batch.
    const write = this.writeChain.then(() => {
      if (this.failure !== undefined) throw this.failure;
      return writeOps(this.db, ops, sync);
    });
    this.writeChain = write.catch((err: unknown) => {
      this.failure ??= err;
    });
    return write;
  }

  private markDurable(revision: number): void {
    this.durableRev = Math.max(this.durableRev, revision);
    while (this.inFlight.length > 0 && this.inFlight[0].revision <= this.durableRev) this.inFlight.shift();
    const ready = this.durableWaiters.filter((w) => w.revision <= this.durableRev);
    this.durableWaiters = this.durableWaiters.filter((w) => w.revision > this.durableRev);
    for (const w of ready) w.resolve();
  }

  private waitDurable(revision: number): Promise<void> {
    if (revision <= this.durableRev) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ revision, resolve }));
  }

  private assertUsable(): void {
    assert(!this.closed, 'mvcc store is closed');
    if (this.failure !== undefined) throw this.failure;
  }

  private openBatch(): OpenBatch {
    this.assertUsable();
    assert(this.batch !== undefined, 'write outside a batch: call beginBatch first');
    return this.batch;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  range(req: RangeRequest): RangeResponse {
    this.assertUsable();
    return this.rangeAt(req, this.currentRev);
  }

  /** A range as seen by a request whose own latest revision is `latest` (inside a txn: the txn's writes). */
  private rangeAt(req: RangeRequest, latest: number): RangeResponse {
    checkRangeRequest(req);
    const rev = this.readRevision(req.revision ?? 0, latest);
    const all = needsAllKeys(req);
    const fetchMax = !all && (req.limit ?? 0) > 0 ? req.limit! + 1 : Infinity;
    let count = 0;
    const fetched: KeyValue[] = [];
    for (const { ki, hit } of this.index.range(toKeyRange(req.key, req.rangeEnd), rev)) {
      count++;
      if (!req.countOnly && fetched.length < fetchMax) fetched.push(this.valueAt(ki, hit));
    }
    if (req.countOnly) return { header: { revision: latest }, kvs: [], more: false, count };
    const { kvs, more } = finishRange(req, fetched);
    return { header: { revision: latest }, kvs, more, count };
  }

  private readRevision(requested: number, latest: number): number {
    if (requested <= 0) return latest;
    if (requested > latest) throw errFutureRev({ requested, latest });
    if (requested < this.compactedRev) throw errCompacted({ requested, compacted: this.compactedRev });
    return requested;
  }

  /** The key-value at an index hit: resident when latest, else staged, else on disk. */
  private valueAt(ki: KeyIndex, hit: IndexHit): KeyValue {
    const latest = compareRevision(hit.modified, ki.modified) === 0 ? ki.current : undefined;
    if (latest !== undefined && !isReleased(latest)) return latest;
    const kv = this.record(hit.modified);
    assert(kv !== undefined, () => `indexed revision ${hit.modified.main}.${hit.modified.sub} missing on disk`);
    return kv;
  }

  /** The record written at `rev`: staged, else on disk; undefined once compacted away. */
  private record(rev: Revision): KeyValue | undefined {
    const staged = this.unflushed.get(revisionId(rev));
    if (staged !== undefined) return staged;
    const raw = this.db.getSync(dbRevisionKey(rev));
    return raw === undefined ? undefined : decodeKeyValue(raw);
  }

  /** The key's latest key-value with its value, read back if released; undefined when the key does not exist. */
  private latestOf(ki: KeyIndex): KeyValue | undefined {
    if (ki.current === undefined) return undefined;
    const read = this.readBack(ki.current);
    assert(read !== undefined, () => `the latest revision ${ki.modified.main}.${ki.modified.sub} of a key is missing on disk`);
    return read;
  }

  /**
   * An event's prevKv with its value: itself, or a released key-value read back (resident-values.ts). Undefined
   * when its record was compacted away meanwhile; etcd then sends the event without prev_kv.
   */
  readBack(kv: KeyValue): KeyValue | undefined {
    return isReleased(kv) ? this.record(kv.at) : kv;
  }

  /** Keys currently attached to a lease, in key order. */
  keysForLease(lease: bigint): Buffer[] {
    const keys = [...(this.leaseKeys.get(lease) ?? [])].map((k) => Buffer.from(k, 'latin1'));
    return keys.sort(Buffer.compare);
  }

  /** Leases that have keys attached (to rebuild a lessor's attachments after a restart). */
  attachedLeases(): bigint[] {
    return [...this.leaseKeys.keys()];
  }

  // ---- writes ------------------------------------------------------------------------------------------------

  put(req: PutRequest): PutResponse {
    const batch = this.openBatch();
    checkPutRequest(req);
    if (req.lease) this.checkLease(req.lease);
    const w = this.beginWrite();
    const resp = this.applyPut(w, req);
    this.endWrite(batch, w);
    return resp;
  }

  deleteRange(req: DeleteRangeRequest): DeleteRangeResponse {
    const batch = this.openBatch();
    checkDeleteRequest(req);
    const w = this.beginWrite();
    const resp = this.applyDeleteRange(w, req);
    this.endWrite(batch, w);
    return resp;
  }

  /** A txn without puts or deletes anywhere may run outside a batch (etcd serves those on the read path). */
  txn(req: TxnRequest): TxnResponse {
    this.assertUsable();
    checkTxnRequest(req, this.maxTxnOps);
    const batch = isReadOnlyTxn(req) && this.batch === undefined ? undefined : this.openBatch();
    const beginRev = this.currentRev;
    const plan = this.planTxn(req, beginRev);
    this.checkPlannedPuts(req, plan, beginRev);
    this.checkPlannedRanges(req, plan, beginRev);
    const w = this.beginWrite();
    const resp = this.applyTxnOps(w, req, plan);
    if (batch !== undefined) this.endWrite(batch, w);
    else assert(w.changes === 0, 'read-only txn wrote');
    resp.header.revision = this.currentRev;
    return resp;
  }

  /** Deletes every key attached to the lease in one revision (lease revoke). */
  deleteByLease(lease: bigint): DeleteRangeResponse {
    const batch = this.openBatch();
    const w = this.beginWrite();
    let deleted = 0;
    for (const key of this.keysForLease(lease)) {
      const ki = this.index.keyIndex(key);
      assert(ki?.live && ki.current?.lease === lease, 'lease attachment out of sync with the index');
      this.writeDelete(w, ki);
      deleted++;
    }
    this.endWrite(batch, w);
    // No prevKvs: nobody asks for them, and reading released values back would cost a read per key.
    return { header: { revision: this.currentRev }, deleted, prevKvs: [] };
  }

  compact(req: CompactionRequest): CompactionResult {
    const batch = this.openBatch();
    const revision = req.revision;
    if (revision <= this.compactedRev) throw errCompacted({ requested: revision, compacted: this.compactedRev });
    if (revision > this.currentRev) throw errFutureRev({ requested: revision, latest: this.currentRev });
    this.compactedRev = revision;
    const keep = this.index.compact(revision);
    batch.ops.push({ type: 'put', key: META_SCHEDULED_COMPACT, value: uint64Buffer(revision) });
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    done.catch(() => undefined); // callers that do not wait must not see an unhandled rejection
    batch.compactions.push({ revision, keep, settle });
    return { response: { header: { revision: this.currentRev } }, done };
  }

  private checkLease(lease: bigint): void {
    if (this.options.leaseExists && !this.options.leaseExists(lease)) throw errLeaseNotFound(lease);
  }

  private beginWrite(): WriteTxn {
    return { beginRev: this.currentRev, changes: 0, events: [] };
  }

  private endWrite(batch: OpenBatch, w: WriteTxn): void {
    if (w.changes === 0) return;
    this.currentRev = w.beginRev + 1;
    for (const e of w.events) batch.events.push(e);
  }

  /** The latest revision as the write in progress sees it. */
  private static seenRev(w: WriteTxn): number {
    return w.changes > 0 ? w.beginRev + 1 : w.beginRev;
  }

  private applyPut(w: WriteTxn, req: PutRequest): PutResponse {
    const ki = this.index.keyIndex(req.key);
    // Possibly released (its value not in memory): read back once, and only when the value is needed.
    const prev = ki?.live ? ki.current : undefined;
    if ((req.ignoreValue || req.ignoreLease) && prev === undefined) throw errKeyNotFound();
    const prevKv = (req.ignoreValue || req.prevKv) && prev !== undefined ? this.latestOf(ki!) : undefined;
    // Resident for as long as the key keeps this value: copies of their own, see ownedCopy.
    const value = req.ignoreValue ? prevKv!.value : ownedCopy(req.value ?? EMPTY);
    const lease = req.ignoreLease ? prev!.lease : (req.lease ?? 0n);
    const key = ki?.key ?? ownedCopy(req.key);
    this.writePut(w, ki ?? this.index.ensure(key), key, value, lease, prev);
    return req.prevKv && prevKv !== undefined ? { header: { revision: w.beginRev + 1 }, prevKv } : { header: { revision: w.beginRev + 1 } };
  }

  private applyDeleteRange(w: WriteTxn, req: DeleteRangeRequest): DeleteRangeResponse {
    const range = toKeyRange(req.key, req.rangeEnd);
    // What exists as the txn has left it so far is what exists now: the index holds the txn's own changes.
    const targets: KeyIndex[] = [];
    for (const ki of this.index.keyIndexes(range)) if (ki.live) targets.push(ki);
    const prevKvs: KeyValue[] = [];
    for (const ki of targets) {
      if (req.prevKv) prevKvs.push(this.latestOf(ki)!);
      this.writeDelete(w, ki);
    }
    return { header: { revision: MvccStore.seenRev(w) }, deleted: targets.length, prevKvs };
  }

  private writePut(w: WriteTxn, ki: KeyIndex, key: Buffer, value: Buffer, lease: bigint, prev: KeyValue | undefined): void {
    const rev: Revision = { main: w.beginRev + 1, sub: w.changes++ };
    const kv: KeyValue = {
      key,
      value,
      createRevision: prev ? prev.createRevision : rev.main,
      modRevision: rev.main,
      version: prev ? prev.version + 1 : 1,
      lease,
    };
    ki.put(rev);
    ki.current = kv;
    this.resident.wrote(ki);
    this.stage(rev, kv);
    if (prev !== undefined && prev.lease !== 0n) this.detach(prev.lease, ki.name);
    if (lease !== 0n) this.attach(lease, ki.name);
    w.events.push(prev !== undefined ? { type: EventType.Put, kv, prevKv: prev } : { type: EventType.Put, kv });
  }

  private writeDelete(w: WriteTxn, ki: KeyIndex): void {
    const prev = ki.current; // possibly released: events read it back per watcher (readBack)
    assert(prev !== undefined, 'delete of a key without a resident value');
    const rev: Revision = { main: w.beginRev + 1, sub: w.changes++ };
    ki.tombstone(rev);
    ki.current = undefined;
    this.resident.forget(ki);
    // Tombstones are not read back (reads see the index), so unlike puts they are not kept in `unflushed`.
    const deleted = new DeletedKeyValue(ki.name, rev);
    this.batch!.ops.push(deleted);
    if (prev.lease !== 0n) this.detach(prev.lease, ki.name);
    w.events.push({ type: EventType.Delete, kv: deleted, prevKv: prev });
  }

  private stage(rev: Revision, kv: KeyValue): void {
    const batch = this.batch!;
    batch.ops.push({ type: 'put', key: dbRevisionKey(rev), value: encodeKeyValue(kv) });
    const id = revisionId(rev);
    this.unflushed.set(id, kv);
    batch.unflushedIds.push(id);
  }

  /** `name`: the key's index name (tree-index.ts), the string the index already holds. */
  private attach(lease: bigint, name: string): void {
    let keys = this.leaseKeys.get(lease);
    if (keys === undefined) this.leaseKeys.set(lease, (keys = new Set()));
    keys.add(name);
  }

  private detach(lease: bigint, name: string): void {
    const keys = this.leaseKeys.get(lease);
    keys?.delete(name);
    if (keys?.size === 0) this.leaseKeys.delete(lease);
  }

  // ---- txn ---------------------------------------------------------------------------------------------------

  /** Every compare of the txn and of the nested txns it will run, all against the state before the txn. */
  private planTxn(req: TxnRequest, rev: number): TxnPlan {
    const succeeded = (req.compare ?? []).every((c) => this.compareHolds(c, rev));
    const ops = (succeeded ? req.success : req.failure) ?? [];
    const nested = ops.flatMap((op) => ('requestTxn' in op ? [this.planTxn(op.requestTxn, rev)] : []));
    return { succeeded, nested };
  }

  private compareHolds(c: Compare, rev: number): boolean {
    const range = toKeyRange(c.key, c.rangeEnd);
    let any = false;
    for (const { ki, hit } of this.index.range(range, rev)) {
      any = true;
      if (!compareKeyValue(c, this.valueAt(ki, hit))) return false;
    }
    return any || (c.target !== CompareTarget.Value && compareKeyValue(c, ABSENT_KV));
  }

  private *plannedOps(req: TxnRequest, plan: TxnPlan): IterableIterator<RequestOp> {
    const ops = (plan.succeeded ? req.success : req.failure) ?? [];
    let n = 0;
    for (const op of ops) {
      if ('requestTxn' in op) yield* this.plannedOps(op.requestTxn, plan.nested[n++]);
      else yield op;
    }
  }

  private checkPlannedPuts(req: TxnRequest, plan: TxnPlan, beginRev: number): void {
    for (const op of this.plannedOps(req, plan)) {
      if (!('requestPut' in op)) continue;
      const put = op.requestPut;
      if ((put.ignoreValue || put.ignoreLease) && this.index.get(put.key, beginRev) === undefined) throw errKeyNotFound();
      if (put.lease) this.checkLease(put.lease);
    }
  }

  private checkPlannedRanges(req: TxnRequest, plan: TxnPlan, beginRev: number): void {
    for (const op of this.plannedOps(req, plan)) {
      if ('requestRange' in op) this.readRevision(op.requestRange.revision ?? 0, beginRev);
    }
  }

  private applyTxnOps(w: WriteTxn, req: TxnRequest, plan: TxnPlan): TxnResponse {
    const ops = (plan.succeeded ? req.success : req.failure) ?? [];
    const responses: ResponseOp[] = [];
    let n = 0;
    for (const op of ops) {
      if ('requestRange' in op) responses.push({ responseRange: this.rangeAt(op.requestRange, MvccStore.seenRev(w)) });
      else if ('requestPut' in op) responses.push({ responsePut: this.applyPut(w, op.requestPut) });
      else if ('requestDeleteRange' in op) responses.push({ responseDeleteRange: this.applyDeleteRange(w, op.requestDeleteRange) });
      else responses.push({ responseTxn: this.applyTxnOps(w, op.requestTxn, plan.nested[n++]) });
    }
    return { header: { revision: MvccStore.seenRev(w) }, succeeded: plan.succeeded, responses };
  }

  // ---- history for watchers ------------------------------------------------------------------------------------

  /**
   * Events with revisions from startRev up to the published revision, in revision order, for keys in the range
   * (etcd range_end conventions): from disk up to the durable revision, then from the batches still being
   * written. Stops after `limit` events but always finishes a revision; resume at nextRevision. Newer events
   * arrive through onCommitted. Like etcd's watch, startRev below the compacted revision is ErrCompacted (startRev
   * equal to it is served, without deletions compacted at that revision).
   */
  async eventsSince(
    startRev: number,
    keys: { key: Buffer; rangeEnd?: Buffer },
    limit = Infinity,
  ): Promise<{ events: Event[]; nextRevision: number }> {
    this.assertUsable();
    assert(startRev >= 1 && limit >= 1, 'eventsSince needs startRev >= 1 and limit >= 1');
    if (startRev < this.compactedRev) throw errCompacted({ requested: startRev, compacted: this.compactedRev });
    const range = toKeyRange(keys.key, keys.rangeEnd);
    // Taken together, now: every revision past durableRev that is published is in a batch of inFlight.
    const diskEnd = this.durableRev;
    const endRev = this.publishedRev;
    const pending = this.inFlight.slice();
    const epoch = this.epoch;
    const events: Event[] = [];
    let lastMain = 0;
    if (startRev <= diskEnd) {
      const it = this.db.iterator({ gte: dbRevisionKey({ main: startRev, sub: 0 }), lt: dbRevisionKey({ main: diskEnd + 1, sub: 0 }) });
      try {
        while (true) {
          const entries = await it.nextv(256);
          assert(epoch === this.epoch, 'store restored during eventsSince');
          if (startRev < this.compactedRev) throw errCompacted({ requested: startRev, compacted: this.compactedRev });
          if (entries.length === 0) break;
          for (const [k, v] of entries) {
            const { rev, tombstone } = decodeRevision(k.subarray(1));
            if (events.length >= limit && rev.main !== lastMain) return { events, nextRevision: lastMain + 1 };
            // Deletions at the compacted revision may or may not be physically gone yet: never serve them.
            if (tombstone && rev.main <= this.compactedRev) continue;
            const kv = decodeKeyValue(v);
            if (!rangeContains(range, kv.key)) continue;
            events.push(this.historicalEvent(rev, tombstone, kv));
            lastMain = rev.main;
          }
        }
      } finally {
        await it.close();
      }
    }
    for (const batch of pending) {
      for (const e of batch.events) {
        const main = e.kv.modRevision;
        if (main < startRev) continue;
        if (events.length >= limit && main !== lastMain) return { events, nextRevision: lastMain + 1 };
        if (e.type === EventType.Delete && main <= this.compactedRev) continue;
        if (!rangeContains(range, e.kv.key)) continue;
        events.push(e);
        lastMain = main;
      }
    }
    return { events, nextRevision: endRev + 1 };
  }

  private historicalEvent(rev: Revision, tombstone: boolean, record: KeyValue): Event {
    const ki = this.index.keyIndex(record.key);
    // At the compacted revision itself the previous state may be gone, as in etcd.
    const prevHit = rev.main > this.compactedRev ? ki?.get(rev.main - 1) : undefined;
    const prevKv = ki !== undefined && prevHit !== undefined ? this.valueAt(ki, prevHit) : undefined;
    const kv = tombstone ? { ...record, modRevision: rev.main } : record;
    const type = tombstone ? EventType.Delete : EventType.Put;
    return prevKv !== undefined ? { type, kv, prevKv } : { type, kv };
  }

  // ---- compaction --------------------------------------------------------------------------------------------

  private scheduleCompaction(revision: number, keep: Set<string>, settle: (err?: unknown) => void): void {
    const epoch = this.epoch;
    this.compactionChain = this.compactionChain.then(async () => {
      try {
        const finished = await this.compactDisk(revision, keep, epoch);
        settle(finished ? undefined : new Error('mvcc store closed or restored before the compaction finished'));
      } catch (err) {
        this.log.error({ err, revision }, 'mvcc physical compaction failed');
        settle(err);
      }
    });
  }

  /** Deletes the records at or below revision that the index no longer needs, in bounded batches. */
  private async compactDisk(revision: number, keep: Set<string>, epoch: number): Promise<boolean> {
    const chunk = this.options.compactionBatchSize ?? 1000;
    let deleted = 0;
    let pending: DbOp[] = [];
    const it = this.db.keys({ gte: Buffer.from([KEY_PREFIX]), lt: dbRevisionKey({ main: revision + 1, sub: 0 }) });
    try {
      while (true) {
        const keys = await it.nextv(chunk);
        if (epoch !== this.epoch) return false;
        if (keys.length === 0) break;
        for (const k of keys) {
          if (!keep.has(revisionId(decodeRevision(k.subarray(1)).rev))) pending.push({ type: 'del', key: k });
        }
        if (pending.length >= chunk) {
          deleted += pending.length;
          await this.enqueueWrite(pending);
          pending = [];
          if (epoch !== this.epoch) return false;
        }
      }
    } finally {
      await it.close();
    }
    deleted += pending.length;
    pending.push({ type: 'put', key: META_FINISHED_COMPACT, value: uint64Buffer(revision) });
    await this.enqueueWrite(pending);
    this.log.info({ revision, deleted }, 'mvcc compaction finished');
    return true;
  }

  // ---- hashes and snapshots ----------------------------------------------------------------------------------

  /** CRC-32C over every record of the database (all prefixes), in key order. */
  async hash(): Promise<HashResult> {
    this.assertUsable();
    await this.writeChain;
    const revision = this.durableRev;
    const crc = new Crc32c();
    for await (const [k, v] of this.db.iterator()) crc.updateFramed(k).updateFramed(v);
    return { hash: crc.digest(), revision };
  }

  /**
   * CRC-32C over the (revision key, record) pairs with main revision in (compactRevision, revision], in
   * revision order, each framed by its length. Members with the same history and compaction agree,
   * whatever their physical compaction progress. revision <= 0: the latest.
   */
  /**
   * etcd's HashKV, bit for bit: CRC-32C over the bucket name "key", then every (revision key, mvccpb.KeyValue)
   * record up to the revision; records at or below the compacted revision count only if they are the key's
   * live revision at that point (what etcd's index Keep() yields), so the hash does not depend on how far the
   * background deletion has got. Before any compaction the compact revision reads -1, as etcd reports it.
   */
  async hashKV(revision = 0): Promise<HashKvResult> {
    this.assertUsable();
    if (revision > 0 && revision <= this.compactedRev) throw errCompacted({ requested: revision, compacted: this.compactedRev });
    if (revision > this.currentRev) throw errFutureRev({ requested: revision, latest: this.currentRev });
    const upTo = revision > 0 ? revision : this.currentRev;
    await this.waitDurable(upTo);
    const compactRevision = this.compactedRev;
    // As etcd: revision 0 (latest) is served even when the latest revision is the compacted one.
    const compactedAway = revision > 0 ? upTo <= compactRevision : upTo < compactRevision;
    if (compactRevision > 0 && compactedAway) throw errCompacted({ requested: upTo, compacted: compactRevision });
    const crc = new Crc32c().update(ETCD_KEY_BUCKET);
    const it = this.db.iterator({
      gte: dbRevisionKey({ main: 0, sub: 0 }),
      lt: dbRevisionKey({ main: upTo + 1, sub: 0 }),
    });
    for await (const [k, v] of it) {
      const revisionKey = k.subarray(1);
      const { rev, tombstone } = decodeRevision(revisionKey);
      const kv = decodeKeyValue(v);
      if (rev.main <= compactRevision) {
        const live = tombstone ? undefined : this.index.get(kv.key, upTo);
        if (live === undefined || compareRevision(live.modified, rev) !== 0) continue;
      }
      crc.update(revisionKey).update(encodeEtcdKeyValue(kv));
    }
    return { hash: crc.digest(), compactRevision, revision: this.currentRev };
  }

  /** Every record of the database in key order, from one consistent view. Waits for pending writes first. */
  async *snapshotEntries(): AsyncGenerator<[Buffer, Buffer]> {
    this.assertUsable();
    await this.writeChain;
    for await (const entry of this.db.iterator()) yield entry;
  }

  /**
   * The database as one self-checking buffer (see snapshot-format.ts) as of this call: it is read through a LevelDB
   * snapshot taken before the call returns, so writes after it are not in the result however long encoding takes.
   * Writes to be included must have completed (a Raft snapshot is taken once its applies have settled).
   */
  snapshotData(): Promise<Buffer> {
    this.assertUsable();
    return encodeSnapshot(this.db.iterator(), this.options.nextTurn);
  }

  /** Replaces the whole database with a snapshot (snapshotData bytes or snapshotEntries) and reloads. */
  async restoreFrom(source: Buffer | AsyncIterable<[Buffer, Buffer]>): Promise<void> {
    this.assertUsable();
    assert(this.batch === undefined, 'restore with a batch open');
    const entries = Buffer.isBuffer(source) ? decodeSnapshot(source) : source; // validated before anything is cleared
    this.epoch++;
    await this.compactionChain;
    await this.writeChain;
    await this.db.clear();
    let chunk: DbOp[] = [];
    for await (const [key, value] of entries) {
      chunk.push({ type: 'put', key, value });
      if (chunk.length >= RESTORE_CHUNK) {
        await writeOps(this.db, chunk, true);
        chunk = [];
      }
    }
    if (chunk.length > 0) await writeOps(this.db, chunk, true);
    await this.load();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    assert(this.batch === undefined, 'close with a batch open');
    this.epoch++; // an unfinished compaction resumes on the next open
    await this.compactionChain;
    await this.writeChain;
    this.closed = true;
    if (this.ownsDb) await this.db.close();
  }

  // ---- loading -----------------------------------------------------------------------------------------------

  /** The records of a batch whose write in parts a crash cut short (writeInParts); Raft applies it again. */
  private async dropUnfinished(partial: number, records: Buffer[]): Promise<void> {
    const ops: DbOp[] = records.map((key) => ({ type: 'del', key }));
    ops.push({ type: 'del', key: META_PARTIAL_BATCH });
    await writeOps(this.db, ops, this.options.syncWrites ?? true);
    this.log.warn({ revision: partial, records: records.length }, 'mvcc dropped the records of a batch whose write was cut short');
  }

  private async load(): Promise<void> {
    this.index.clear();
    this.leaseKeys.clear();
    this.unflushed.clear();
    this.resident.clear();
    const meta = async (key: Buffer, absent: number) => {
      const v = await this.db.get(key);
      return v === undefined ? absent : readUint64(v, 0);
    };
    this.appliedIndex = await meta(META_CONSISTENT_INDEX, 0);
    // A compaction at revision 0 is recorded too: only a store without either record was never compacted.
    const scheduled = await meta(META_SCHEDULED_COMPACT, -1);
    const finished = await meta(META_FINISHED_COMPACT, -1);
    const partial = await meta(META_PARTIAL_BATCH, -1);
    const unfinished: Buffer[] = [];
    let lastMain = 0;
    const it = this.db.iterator({ gte: Buffer.from([KEY_PREFIX]), lt: Buffer.from([KEY_PREFIX + 1]) });
    for await (const [k, v] of it) {
      const { rev, tombstone } = decodeRevision(k.subarray(1));
      if (partial >= 0 && rev.main > partial) {
        unfinished.push(k);
        continue;
      }
      const kv = decodeKeyValue(v);
      const ki = this.index.restoreRecord(kv.key, rev, tombstone, { main: kv.createRevision, sub: 0 }, kv.version);
      if (ki !== undefined) {
        ki.current = tombstone ? undefined : kv;
        if (tombstone) this.resident.forget(ki);
        else this.resident.wrote(ki);
      }
      lastMain = rev.main;
    }
    for (const ki of this.index.keyIndexes({ key: EMPTY, end: null })) {
      if (ki.current !== undefined && ki.current.lease !== 0n) this.attach(ki.current.lease, ki.name);
    }
    if (partial >= 0) await this.dropUnfinished(partial, unfinished);
    this.compactedRev = Math.max(scheduled, finished);
    this.currentRev = Math.max(1, lastMain, this.compactedRev);
    this.durableRev = this.currentRev;
    this.publishedRev = this.currentRev;
    this.inFlight = [];
    if (scheduled > finished) {
      const keep = this.index.compact(scheduled);
      this.log.info({ revision: scheduled, finished }, 'mvcc resuming an interrupted compaction');
      this.scheduleCompaction(scheduled, keep, () => undefined);
    }
    this.log.info(
      { revision: this.currentRev, compactRevision: this.compactedRev, keys: this.index.size, consistentIndex: this.appliedIndex },
      'mvcc store loaded',
    );
  }
}

function isReadOnlyTxn(req: TxnRequest): boolean {
  const readOnly = (ops: RequestOp[] | undefined) =>
    (ops ?? []).every((op) => 'requestRange' in op || ('requestTxn' in op && isReadOnlyTxn(op.requestTxn)));
  return readOnly(req.success) && readOnly(req.failure);
}

