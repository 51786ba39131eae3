// Proposers put requests into the log and answer with the applied result. Every member runs RaftProposer
// (src/store/replication), a single one too. LocalProposer, a log of its own with no Raft, remains for unit tests
// of the applier: everything proposed in one event-loop turn becomes one run of entries, applied in one MVCC batch
// and committed with one write, after which every waiter is answered.
import { assert } from '../../raft/assert.ts';
import type { ApplyResult, CommittedEntry, EntryApplier } from './entry-applier.ts';
import { encodeInternalRequest, type InternalRequestKind } from './internal-request.ts';
import { ServerError, ServerErrorCode } from './errors.ts';
import { RequestIdGenerator } from './request-id.ts';

export interface Proposal {
  kind: InternalRequestKind;
  /** The etcd request message's bytes, as the client sent them when possible. */
  body: Buffer;
  /** The auth store revision the request's permissions were checked against (src/store/auth); absent: unchecked. */
  authRevision?: bigint;
}

export interface Proposer {
  /** Resolves with the applied result (which may carry an operating error); rejects only when the member fails. */
  propose(proposal: Proposal): Promise<ApplyResult>;
  /** Resolves once everything acknowledged so far is applied (a linearizable read may then read local state). */
  readBarrier(): Promise<void>;
  /** Resolves once a serializable read may read local state (nothing half-applied); no round to the leader. */
  localReadBarrier(): Promise<void>;
  /** The log's committed index and the term, for Status and response headers. */
  readonly lastIndex: number;
  readonly term: bigint;
  readonly leaderId: bigint;
  close(): Promise<void>;
}

export interface LocalProposerOptions {
  applier: EntryApplier;
  memberId: bigint;
  /** etcd's --max-request-bytes: an encoded entry larger than this is refused before the log. */
  maxRequestBytes: number;
  /** Wall-clock milliseconds at start-up, for unique request IDs; now by default. */
  startMillis?: number;
  /** Bound on entries per batch; the rest wait for the next turn. */
  maxBatchEntries?: number;
  /** Bound on proposals waiting; beyond it proposals fail with "too many requests". */
  maxPendingProposals?: number;
}

interface Pending {
  id: bigint;
  data: Buffer;
  resolve: (r: ApplyResult) => void;
  reject: (err: unknown) => void;
}

/** A single member's term: etcd's first election of a fresh single member ends in term 2. */
const SINGLE_MEMBER_TERM = 2n;

export class LocalProposer implements Proposer {
  private pending: Pending[] = [];
  private readonly ids: RequestIdGenerator;
  private index: number;
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private failure: unknown = undefined;
  private readonly maxBatch: number;
  private readonly maxPending: number;

  constructor(private readonly options: LocalProposerOptions) {
    this.index = options.applier.appliedIndex;
    this.ids = new RequestIdGenerator(options.memberId, options.startMillis ?? Date.now());
    this.maxBatch = options.maxBatchEntries ?? 10_000;
    this.maxPending = options.maxPendingProposals ?? 100_000;
  }

  get lastIndex(): number {
    return this.index;
  }

  get term(): bigint {
    return SINGLE_MEMBER_TERM;
  }

  get leaderId(): bigint {
    return this.options.memberId;
  }

  propose(proposal: Proposal): Promise<ApplyResult> {
    if (this.closed) return Promise.reject(new ServerError(ServerErrorCode.Stopped));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.pending.length >= this.maxPending) return Promise.reject(new ServerError(ServerErrorCode.TooManyRequests));
    const id = this.ids.next();
    const data = encodeInternalRequest({ id, kind: proposal.kind, body: proposal.body, authRevision: proposal.authRevision });
    if (data.length > this.options.maxRequestBytes) return Promise.reject(new ServerError(ServerErrorCode.RequestTooLarge));
    return new Promise<ApplyResult>((resolve, reject) => {
      this.pending.push({ id, data, resolve, reject });
      this.schedule();
    });
  }

  async readBarrier(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  localReadBarrier(): Promise<void> {
    return this.readBarrier();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.readBarrier();
    for (const p of this.pending.splice(0)) p.reject(new ServerError(ServerErrorCode.Stopped));
  }

  private schedule(): void {
    if (this.scheduled || this.flushing !== undefined) return;
    this.scheduled = true;
    // After the current turn's I/O callbacks: everything proposed meanwhile joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    const byId = new Map<bigint, Pending>();
    const entries: CommittedEntry[] = batch.map((p) => {
      byId.set(p.id, p);
      return { index: ++this.index, data: p.data };
    });
    try {
      const applied = await this.options.applier.applyEntries(entries);
      assert(applied.length === batch.length, 'applier skipped fresh entries');
      for (const a of applied) byId.get(a.id)?.resolve(a.result);
    } catch (err) {
      // The store refuses further work after a failed write: so does the proposer.
      this.failure = err;
      for (const p of batch) p.reject(err);
      for (const p of this.pending.splice(0)) p.reject(err);
    }
  }
}
