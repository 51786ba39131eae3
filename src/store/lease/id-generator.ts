// Lease IDs for grants that ask for ID 0. etcd picks them on the proposing member, before the log, from the low
// 16 bits of the member ID, the millisecond clock at start-up and a counter; the applied command carries the
// chosen ID, so apply stays deterministic. Same layout here: member(16) | millis(40) | counter(8), kept positive.

import type { Clock } from './clock.ts';

const SUFFIX_BITS = 48n;
const TIME_BITS = 40n;
const COUNTER_BITS = 8n;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const POSITIVE_MASK = (1n << 63n) - 1n;

export class LeaseIdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, clock: Clock) {
    this.prefix = (memberId & 0xffffn) << SUFFIX_BITS;
    const millis = BigInt(Math.floor(clock.now())) & ((1n << TIME_BITS) - 1n);
    this.suffix = millis << COUNTER_BITS;
  }

  /** The next ID; never 0 (0 means "no lease"). */
  next(): bigint {
    for (;;) {
      this.suffix = (this.suffix + 1n) & SUFFIX_MASK;
      const id = (this.prefix | this.suffix) & POSITIVE_MASK;
      if (id !== 0n) return id;
    }
  }
}
