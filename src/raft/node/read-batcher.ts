// Linearizable reads by ReadIndex, batched: at most one round is in flight; every read that arrives meanwhile
// joins the next round. A round's answer (the leader's commit index) is handed to its readers once the
// application has applied up to it. A round that gets no answer (no leader, a lost message) is retried until
// each reader's deadline.
import type { ReadState } from '../types.ts';
import type { Cancel, Clock } from './clock.ts';
import { errTimeout } from './node-errors.ts';

interface Reader {
  deadline: number;
  resolve: (index: number) => void;
  reject: (e: unknown) => void;
}

interface Round {
  ctx: bigint;
  readers: Reader[];
  cancelRetry: Cancel;
}

export class ReadBatcher {
  private waiting: Reader[] = [];
  private round: Round | undefined;
  /** Answered rounds waiting for the application to catch up, in index order. */
  private answered: Array<{ index: number; readers: Reader[] }> = [];
  private seq = 0n;
  rounds = 0;

  constructor(
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
    const ctx = ++this.seq;
    const round: Round = {
      ctx,
      readers: this.waiting,
      cancelRetry: this.clock.setTimeout(() => this.retry(round), this.retryMs),
    };
    this.waiting = [];
    this.round = round;
    this.rounds++;
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(ctx);
    return bytes;
  }

  onReadStates(states: readonly ReadState[], appliedIndex: number): void {
    const round = this.round;
    if (round === undefined) return;
    for (const s of states) {
      if (s.requestCtx.length !== 8 || Buffer.from(s.requestCtx.buffer, s.requestCtx.byteOffset, 8).readBigUInt64BE() !== round.ctx) continue;
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
    this.round = undefined;
    const now = this.clock.now();
    const alive = round.readers.filter((r) => r.deadline > now);
    for (const r of round.readers) if (r.deadline <= now) r.reject(errTimeout('read index'));
    this.waiting = [...alive, ...this.waiting];
    this.wake();
  }
}
