// Time for the node driver and the transports: the only place in src/raft where real time enters. Tests pass a
// ManualClock and move time themselves.

/** Cancels a timer; calling it twice, or after the timer fired, does nothing. */
export type Cancel = () => void;

export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  now(): number;
  setTimeout(fn: () => void, ms: number): Cancel;
  setInterval(fn: () => void, ms: number): Cancel;
}

/** Wall-clock time on Node's timers. Timers are unref'd: a forgotten node does not keep the process alive. */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  }

  setInterval(fn: () => void, ms: number): Cancel {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  }
}

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
  /** Repeat period; undefined for a one-shot timer. */
  everyMs?: number;
  cancelled: boolean;
}

/** A clock that moves only when told: `advance(ms)` fires every timer due, in time order, ties in creation order. */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Cancel {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Cancel {
    if (!(ms > 0)) throw new RangeError(`ManualClock.setInterval needs ms > 0, got ${ms}`);
    return this.add(fn, ms, ms);
  }

  /** Pending timers (for tests that check nothing leaks). */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance needs ms >= 0, got ${ms}`);
    const until = this.time + ms;
    for (;;) {
      const next = this.nextDue(until);
      if (next === undefined) break;
      this.time = next.at;
      if (next.everyMs === undefined) next.cancelled = true;
      else next.at += next.everyMs;
      next.fn();
    }
    this.time = until;
    this.timers = this.timers.filter((t) => !t.cancelled);
  }

  private nextDue(until: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) {
      if (t.cancelled || t.at > until) continue;
      if (best === undefined || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }

  private add(fn: () => void, ms: number, everyMs: number | undefined): Cancel {
    const timer: ManualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn, everyMs, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }
}
