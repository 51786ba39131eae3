// The applier chain, as etcd layers it: decorators (quota, capped) around one base applier that turns a decoded
// request into MVCC, lease and alarm effects inside the open batch, and into a wire response for the waiting client.
// Every method throws a typed operating error (MvccError, LeaseError, ServerError) without changing anything.
import type { Lessor } from '../lease/index.ts';
import type { MvccStore, PutRequest, RangeRequest, DeleteRangeRequest, TxnRequest } from '../mvcc/index.ts';
import { AlarmType, type AlarmMember, type AlarmStore } from './alarms.ts';
import { ServerError, ServerErrorCode } from './errors.ts';
import {
  deleteRangeResponseToWire,
  isTxnWithPuts,
  putResponseToWire,
  rangeResponseToWire,
  txnResponseToWire,
  type Wire,
} from './wire-convert.ts';

export enum AlarmAction {
  Get = 0,
  Activate = 1,
  Deactivate = 2,
}

export interface CompactionOutcome {
  response: Wire;
  /** Settles when the compacted history is gone from disk. */
  done: Promise<void>;
}

export interface Applier {
  range(req: RangeRequest): Wire;
  put(req: PutRequest, costBytes: number): Wire;
  deleteRange(req: DeleteRangeRequest): Wire;
  txn(req: TxnRequest, costBytes: number): Wire;
  compaction(revision: number): CompactionOutcome;
  leaseGrant(id: bigint, ttlSeconds: number): Wire;
  leaseRevoke(id: bigint): Wire;
  leaseCheckpoint(checkpoints: Array<{ id: bigint; remainingTtl: number }>): Wire;
  alarm(action: AlarmAction, alarm: AlarmMember): Wire;
}

const header = (revision: number): Wire => ({ revision: BigInt(revision) });

export class BaseApplier implements Applier {
  constructor(
    private readonly store: MvccStore,
    private readonly lessor: Lessor,
    private readonly alarms: AlarmStore,
  ) {}

  range(req: RangeRequest): Wire {
    return rangeResponseToWire(this.store.range(req));
  }

  put(req: PutRequest): Wire {
    return putResponseToWire(this.store.put(req));
  }

  deleteRange(req: DeleteRangeRequest): Wire {
    return deleteRangeResponseToWire(this.store.deleteRange(req));
  }

  txn(req: TxnRequest): Wire {
    return txnResponseToWire(this.store.txn(req));
  }

  compaction(revision: number): CompactionOutcome {
    const result = this.store.compact({ revision });
    return { response: { header: header(result.response.header.revision) }, done: result.done };
  }

  leaseGrant(id: bigint, ttlSeconds: number): Wire {
    const granted = this.lessor.grant(id, ttlSeconds);
    return { header: header(this.store.revision), ID: granted.id, TTL: BigInt(granted.ttl) };
  }

  leaseRevoke(id: bigint): Wire {
    this.lessor.revoke(id, this.store);
    return { header: header(this.store.revision) };
  }

  leaseCheckpoint(checkpoints: Array<{ id: bigint; remainingTtl: number }>): Wire {
    for (const c of checkpoints) this.lessor.checkpoint(c.id, c.remainingTtl);
    return { header: header(this.store.revision) };
  }

  alarm(action: AlarmAction, alarm: AlarmMember): Wire {
    let alarms: AlarmMember[] = [];
    if (action === AlarmAction.Get) alarms = this.alarms.list(alarm.alarm);
    else if (action === AlarmAction.Activate && alarm.alarm !== AlarmType.None) {
      const raised = this.alarms.activate(alarm);
      alarms = raised ? [raised] : [];
    } else if (action === AlarmAction.Deactivate) {
      const cleared = this.alarms.deactivate(alarm);
      alarms = cleared ? [cleared] : [];
    }
    // etcd answers alarm requests without a response header (etcdctl prints `{}` for an empty alarm list).
    return { alarms: alarms.map((a) => ({ memberID: a.memberId, alarm: a.alarm })) };
  }
}

/** Passes everything through to the next applier; decorators override what they guard. */
export class ApplierDecorator implements Applier {
  constructor(protected readonly next: Applier) {}
  range(req: RangeRequest): Wire {
    return this.next.range(req);
  }
  put(req: PutRequest, costBytes: number): Wire {
    return this.next.put(req, costBytes);
  }
  deleteRange(req: DeleteRangeRequest): Wire {
    return this.next.deleteRange(req);
  }
  txn(req: TxnRequest, costBytes: number): Wire {
    return this.next.txn(req, costBytes);
  }
  compaction(revision: number): CompactionOutcome {
    return this.next.compaction(revision);
  }
  leaseGrant(id: bigint, ttlSeconds: number): Wire {
    return this.next.leaseGrant(id, ttlSeconds);
  }
  leaseRevoke(id: bigint): Wire {
    return this.next.leaseRevoke(id);
  }
  leaseCheckpoint(checkpoints: Array<{ id: bigint; remainingTtl: number }>): Wire {
    return this.next.leaseCheckpoint(checkpoints);
  }
  alarm(action: AlarmAction, alarm: AlarmMember): Wire {
    return this.next.alarm(action, alarm);
  }
}

/** How full the backend is (--quota-backend-bytes). */
export interface BackendQuota {
  /** Whether a write of about costBytes still fits. */
  available(costBytes: number): boolean;
}

/** Refuses writes that would grow the backend past the quota (the server then raises the NOSPACE alarm). */
export class QuotaApplier extends ApplierDecorator {
  constructor(
    next: Applier,
    private readonly quota: BackendQuota,
  ) {
    super(next);
  }
  override put(req: PutRequest, costBytes: number): Wire {
    this.check(costBytes);
    return super.put(req, costBytes);
  }
  override txn(req: TxnRequest, costBytes: number): Wire {
    if (isTxnWithPuts(req)) this.check(costBytes);
    return super.txn(req, costBytes);
  }
  override leaseGrant(id: bigint, ttlSeconds: number): Wire {
    this.check(LEASE_GRANT_COST_BYTES);
    return super.leaseGrant(id, ttlSeconds);
  }
  private check(costBytes: number): void {
    if (!this.quota.available(costBytes)) throw new ServerError(ServerErrorCode.NoSpace);
  }
}

/** etcd's rough cost of a lease record in the backend. */
const LEASE_GRANT_COST_BYTES = 64;

/** While NOSPACE is raised only reads, deletes, revokes, compaction and alarm changes pass. */
export class CappedApplier extends ApplierDecorator {
  constructor(
    next: Applier,
    private readonly alarms: AlarmStore,
  ) {
    super(next);
  }
  override put(req: PutRequest, costBytes: number): Wire {
    this.check();
    return super.put(req, costBytes);
  }
  override txn(req: TxnRequest, costBytes: number): Wire {
    if (isTxnWithPuts(req)) this.check();
    return super.txn(req, costBytes);
  }
  override leaseGrant(id: bigint, ttlSeconds: number): Wire {
    this.check();
    return super.leaseGrant(id, ttlSeconds);
  }
  private check(): void {
    if (this.alarms.has(AlarmType.NoSpace)) throw new ServerError(ServerErrorCode.NoSpace);
  }
}

/** The chain etcd builds: capped (checked per call, so clearing the alarm takes effect at once), quota, base. */
export function buildApplierChain(base: Applier, quota: BackendQuota, alarms: AlarmStore): Applier {
  return new CappedApplier(new QuotaApplier(base, quota), alarms);
}
