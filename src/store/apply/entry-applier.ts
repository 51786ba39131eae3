// Committed log entries -> effects and results. One call applies a run of entries in ONE MVCC batch and commits it
// with one classic-level write that also stores the last applied index, so replaying entries after a crash is
// idempotent: entries at or below the stored index are skipped. The input is (index, entry bytes) so a local
// proposer and Raft's committed entries feed the same code.
import type { Lessor } from '../lease/index.ts';
import type { MvccStore, PutRequest } from '../mvcc/index.ts';
import { toSafeNumber, type CodecRegistry } from '../proto/index.ts';
import { applyAuthEntry, AuthError, AuthErrorCode, type AuthStore } from '../auth/index.ts';
import type { AlarmStore, AlarmType } from './alarms.ts';
import type { AlarmAction, Applier } from './applier.ts';
import { decodeInternalRequest, type InternalRequest } from './internal-request.ts';
import { decodePutRequest } from './put-request-wire.ts';
import { deleteRangeFromWire, putFromWire, rangeFromWire, txnFromWire, type Wire } from './wire-convert.ts';

export interface CommittedEntry {
  index: number;
  data: Buffer;
}

export type ApplyResult =
  | { ok: true; response: Wire; /** compaction: settles when the history is gone from disk */ done?: Promise<void> }
  | { ok: false; error: unknown };

export interface AppliedEntry {
  index: number;
  /** The proposer's waiter id (0n for entries nobody waits for). */
  id: bigint;
  result: ApplyResult;
}

export interface EntryApplierDeps {
  store: MvccStore;
  lessor: Lessor;
  alarms: AlarmStore;
  applier: Applier;
  codecs: CodecRegistry;
  /** Users, roles, permissions and tokens (src/store/auth); absent in applier unit tests. */
  auth?: AuthStore;
  /** A member published its name and client URLs (etcdserverpb.Member fields); applied on every member. */
  onMemberAttributes?: (member: Wire) => void;
}

export class EntryApplier {
  constructor(private readonly deps: EntryApplierDeps) {}

  /** The index of the last entry whose effects are on disk. */
  get appliedIndex(): number {
    return this.deps.store.consistentIndex;
  }

  /**
   * Applies the entries in one MVCC batch. The results come at once, the batch published (reads and watchers see
   * it); `written` settles once the batch and the applied index are on disk.
   */
  apply(entries: readonly CommittedEntry[]): { applied: AppliedEntry[]; written: Promise<void> } {
    const { store, lessor, alarms } = this.deps;
    const fresh = entries.filter((e) => e.index > store.consistentIndex);
    if (fresh.length === 0) return { applied: [], written: Promise.resolve() };
    store.beginBatch();
    const applied: AppliedEntry[] = [];
    for (const entry of fresh) applied.push(this.applyOne(entry));
    const { written } = store.commit({
      appliedIndex: fresh[fresh.length - 1].index,
      extraOps: [...lessor.takeOps(), ...alarms.takeOps(), ...(this.deps.auth?.takeOps() ?? [])],
    });
    return { applied, written };
  }

  /** apply(), resolving with the results once the batch is written. */
  async applyEntries(entries: readonly CommittedEntry[]): Promise<AppliedEntry[]> {
    const { applied, written } = this.apply(entries);
    await written;
    return applied;
  }

  private applyOne(entry: CommittedEntry): AppliedEntry {
    let req: InternalRequest;
    try {
      req = decodeInternalRequest(entry.data);
    } catch (error) {
      return { index: entry.index, id: 0n, result: { ok: false, error } };
    }
    try {
      return { index: entry.index, id: req.id, result: this.dispatch(req, entry.index) };
    } catch (error) {
      return { index: entry.index, id: req.id, result: { ok: false, error } };
    }
  }

  private readonly generalPut = (body: Buffer): PutRequest => putFromWire(this.decode('PutRequest', body));

  private decode(name: string, body: Buffer): Wire {
    return this.deps.codecs.type(`etcdserverpb.${name}`).decode(body);
  }

  private dispatch(req: InternalRequest, index: number): ApplyResult {
    const a = this.deps.applier;
    const body = req.body;
    const auth = this.deps.auth;
    // Checked against older auth state than now: refused, and the proposing member checks again (as etcd).
    if (auth !== undefined && req.authRevision !== undefined && req.authRevision !== 0n && req.authRevision < auth.revision) {
      return { ok: false, error: new AuthError(AuthErrorCode.AuthOldRevision) };
    }
    switch (req.kind) {
      case 'range':
        return { ok: true, response: a.range(rangeFromWire(this.decode('RangeRequest', body))) };
      case 'put':
        return { ok: true, response: a.put(decodePutRequest(body, this.generalPut), body.length) };
      case 'delete_range':
        return { ok: true, response: a.deleteRange(deleteRangeFromWire(this.decode('DeleteRangeRequest', body))) };
      case 'txn':
        return { ok: true, response: a.txn(txnFromWire(this.decode('TxnRequest', body)), body.length) };
      case 'compaction': {
        const w = this.decode('CompactionRequest', body);
        const outcome = a.compaction(toSafeNumber(w.revision as bigint));
        return { ok: true, response: outcome.response, done: outcome.done };
      }
      case 'lease_grant': {
        const w = this.decode('LeaseGrantRequest', body);
        return { ok: true, response: a.leaseGrant(w.ID as bigint, toSafeNumber(w.TTL as bigint)) };
      }
      case 'lease_revoke':
        return { ok: true, response: a.leaseRevoke(this.decode('LeaseRevokeRequest', body).ID as bigint) };
      case 'lease_checkpoint': {
        const w = this.decode('LeaseCheckpointRequest', body);
        const cps = (w.checkpoints as Wire[]).map((c) => ({ id: c.ID as bigint, remainingTtl: toSafeNumber(c.remaining_TTL as bigint) }));
        return { ok: true, response: a.leaseCheckpoint(cps) };
      }
      case 'alarm': {
        const w = this.decode('AlarmRequest', body);
        const alarm = { memberId: w.memberID as bigint, alarm: w.alarm as AlarmType };
        return { ok: true, response: a.alarm(w.action as AlarmAction, alarm) };
      }
      case 'member_attributes':
        this.deps.onMemberAttributes?.(this.decode('Member', body));
        return { ok: true, response: {} };
      default:
        if (auth === undefined) throw new Error(`auth entry ${req.kind} without an auth store`);
        return { ok: true, response: applyAuthEntry(auth, this.deps.codecs, req.kind, body, index, this.deps.store.revision) };
    }
  }
}
