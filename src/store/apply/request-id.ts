// Waiter IDs for proposals, unique across members and restarts as etcd's request IDs are: the member ID's low 16
// bits, then the millisecond clock at start-up and a counter in the remaining 48 bits. With replication, every
// member applies every entry; only the member whose waiter carries the entry's ID answers a client.

const SUFFIX_BITS = 48n;
const SUFFIX_MASK = (1n << SUFFIX_BITS) - 1n;
const COUNTER_BITS = 8n;

export class RequestIdGenerator {
  private readonly prefix: bigint;
  private suffix: bigint;

  constructor(memberId: bigint, startMillis: number) {
    this.prefix = (memberId & 0xffffn) << SUFFIX_BITS;
    this.suffix = (BigInt(Math.floor(startMillis)) << COUNTER_BITS) & SUFFIX_MASK;
  }

  next(): bigint {
    this.suffix = (this.suffix + 1n) & SUFFIX_MASK;
    return this.prefix | this.suffix;
  }
}
