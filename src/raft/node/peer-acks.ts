// When the receiving end of a peer stream acknowledges frames. An acknowledgement is a gRPC message back to the
// sender, which wakes the sender's event loop to read it: one per frame doubled the messages each replicated
// write costs both members (a put at one client cost a follower two frames in and two acknowledgements out, the
// leader four of each). The sender only needs them to keep frames flowing within its in-flight window, to see a
// stuck stream (seconds) and to learn a snapshot arrived, so the receiver acknowledges
// - at once (after this burst of frames) the first frame of a stream and every snapshot chunk;
// - after this burst once `ackEvery` frames wait, which the sender chose within its window (PeerHello.ack_every);
// - otherwise `delayMs` after the oldest unacknowledged frame.
// A sender that names no ack_every (0) is acknowledged after every burst.
import type { Cancel, Clock } from './clock.ts';

/** How long a frame waits for its acknowledgement when frames are few: far below any sender's stall timeout. */
export const ACK_DELAY_MS = 20;

export class PeerAcks {
  /** 0 until the first frame (frames count from 1). */
  private lastSeq = 0n;
  private ackedSeq = 0n;
  private burstScheduled = false;
  private cancelDelayed: Cancel | undefined;
  private ackEvery = 1n;

  constructor(
    private readonly clock: Clock,
    /** Writes the acknowledgement of every frame up to `seq`. */
    private readonly send: (seq: bigint) => void,
    private readonly delayMs = ACK_DELAY_MS,
  ) {}

  /** The sender's choice from its hello; 0 (not given) acknowledges after every burst. */
  setAckEvery(frames: number): void {
    this.ackEvery = BigInt(Math.max(1, frames));
  }

  /** A frame was handed to Raft. */
  received(seq: bigint, snapshotChunk: boolean): void {
    const first = this.lastSeq === 0n;
    this.lastSeq = seq;
    if (first || snapshotChunk || seq - this.ackedSeq >= this.ackEvery) this.scheduleBurst();
    else this.cancelDelayed ??= this.clock.setTimeout(() => this.flush(), this.delayMs);
  }

  /** The stream is gone: nothing more is sent. */
  close(): void {
    this.cancelDelayed?.();
    this.cancelDelayed = undefined;
    this.ackedSeq = this.lastSeq;
  }

  private scheduleBurst(): void {
    if (this.burstScheduled) return;
    this.burstScheduled = true;
    // After the frames already read in this turn: one acknowledgement for all of them.
    setImmediate(() => {
      this.burstScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    this.cancelDelayed?.();
    this.cancelDelayed = undefined;
    if (this.lastSeq === this.ackedSeq) return;
    this.ackedSeq = this.lastSeq;
    this.send(this.lastSeq);
  }
}
