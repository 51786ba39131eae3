// Time enters the lessor only through this interface, so tests and the simulator drive it.

export interface Clock {
  /** Milliseconds on a monotonic scale; only differences matter. */
  now(): number;
}

/** A clock a test moves by hand. */
export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
