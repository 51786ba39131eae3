// Linearizable reads by ReadIndex, batched: at most one round is in flight; every read that arrives meanwhile
// joins the next round. A round's answer (the leader's commit index) is handed to its readers once the
// application has applied up to it. A round that gets no answer (no leader, a lost message) is retried until
// each reader's deadline; a leader change retries it at once, since the old leader's answer will not come.
//
// A round's context is this node's id and a sequence number: the leader keeps pending requests by context and
// drops a duplicate, so contexts must be unique across every node that forwards reads to it (with a bare
// sequence, followers and the leader counting from 1 collided, and the dropped round waited for its retry).
import type { NodeId, ReadState } from '../types.ts';
import type { Cancel, Clock } from './clock.ts';
import { errTimeout } from './node-errors.ts';

interface Reader {
  deadline: number;
  resolve: (index: number) => void;
  reject: (e: unknown) => void;
}

interface Round {
  ctx: Buffer;
  readers: Reader[];
  cancelRetry: Cancel;
}

const CTX_BYTES = 16;

export class ReadBatcher {
  private waiting: Reader[] = [];
  private round: Round | undefined;
  /** Answered rounds waiting for the application to catch up, in index order. */
  private answered: Array<{ index: number; readers: Reader[] }> = [];
  private seq = 0n;
  /** Rounds started, and rounds restarted because no answer came (retry timer or leader change). */
  rounds = 0;
  retries = 0;

  constructor(
    private readonly nodeId: NodeId,
    private readonly clock: Clock,
    private readonly retryMs: number,
    private readonly timeoutMs: number,
    /** Wakes the node loop. */
    private readonly wake: () => void,
  ) {}

  read(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ deadline: this.clock.now() + this.timeoutMs, resolve, reject });
      this.wake();
    });
  }

  /** Whether a round should start now. */
  get wantsRound(): boolean {
    return this.round === undefined && this.waiting.length > 0;
  }

  /** Starts a round for every waiting reader; returns the context to pass to RawNode.readIndex. */
  startRound(): Uint8Array {
    const ctx = Buffer.alloc(CTX_BYTES);
    ctx.writeBigUInt64BE(this.nodeId, 0);
    ctx.writeBigUInt64BE(++this.seq, 8);
    const round: Round = {
      ctx,
      readers: this.waiting,
      cancelRetry: this.clock.setTimeout(() => this.retry(round), this.retryMs),
    };
    this.waiting = [];
    this.round = round;
    this.rounds++;
    return ctx;
  }

  onReadStates(states: readonly ReadState[], appliedIndex: number): void {
    const round = this.round;
    if (round === undefined) return;
    for (const s of states) {
      if (!round.ctx.equals(s.requestCtx)) continue;
      round.cancelRetry();
      this.round = undefined;
      this.answered.push({ index: s.index, readers: round.readers });
      this.answered.sort((a, b) => a.index - b.index);
      this.onApplied(appliedIndex);
      this.wake();
      return;
    }
  }

  onApplied(appliedIndex: number): void {
    while (this.answered.length > 0 && this.answered[0].index <= appliedIndex) {
      const { index, readers } = this.answered.shift()!;
      for (const r of readers) r.resolve(index);
    }
  }

  /** A new leader (or none) knows nothing of the round in flight: ask again now rather than at the retry timer. */
  onLeaderChange(): void {
    if (this.round !== undefined) this.retry(this.round);
  }

  failAll(e: unknown): void {
    this.round?.cancelRetry();
    const all = [...this.waiting, ...(this.round?.readers ?? []), ...this.answered.flatMap((a) => a.readers)];
    this.waiting = [];
    this.round = undefined;
    this.answered = [];
    for (const r of all) r.reject(e);
  }

  private retry(round: Round): void {
    if (this.round !== round) return;
    round.cancelRetry();
    this.round = undefined;
    this.retries++;
    const now = this.clock.now();
    const alive = round.readers.filter((r) => r.deadline > now);
    for (const r of round.readers) if (r.deadline <= now) r.reject(errTimeout('read index'));
    this.waiting = [...alive, ...this.waiting];
    this.wake();
  }
}
