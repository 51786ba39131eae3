// Time for the client library, injected: the work queue's delays, back-offs, resync and leader election read and
// wait on a Clock, so unit tests drive them with a ManualClock instead of real waiting.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` once after `ms`; cancel() before then prevents it. */
  setTimer(ms: number, fn: () => void): Timer;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, Math.max(0, ms));
    return { cancel: () => clearTimeout(t) };
  },
};

/** A sleep that stop() ends early (resolving, not rejecting: callers check their own stopped flag). */
export class Sleeper {
  private pending: { timer: Timer; resolve: () => void } | null = null;

  constructor(private readonly clock: Clock) {}

  sleep(ms: number): Promise<void> {
    this.wake();
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(ms, () => {
        this.pending = null;
        resolve();
      });
      this.pending = { timer, resolve };
    });
  }

  wake(): void {
    const p = this.pending;
    this.pending = null;
    p?.timer.cancel();
    p?.resolve();
  }
}

interface ManualTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A clock that moves only when told; timers fire in due order (then creation order) during advance(). */
export class ManualClock implements Clock {
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(private nowMs = 0) {}

  now(): number {
    return this.nowMs;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const timer: ManualTimer = { due: this.nowMs + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => void (timer.cancelled = true) };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones set while firing). */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      const next = this.timers.filter((t) => t.due <= target).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      this.nowMs = Math.max(this.nowMs, next.due);
      next.cancelled = true;
      next.fn();
    }
    this.nowMs = target;
  }

  /** Timers not yet fired or cancelled. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
