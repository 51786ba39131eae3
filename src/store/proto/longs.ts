// 64-bit integers on the wire are bigint in memory (see codec.ts). These helpers convert at the edges.

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Exact bigint from a bigint, a safe integer number, or a decimal string; throws on anything lossy or malformed. */
export function toBigInt(value: bigint | number | string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    return BigInt(value);
  }
  if (!/^-?\d+$/.test(value)) throw new RangeError(`not a decimal integer: ${JSON.stringify(value)}`);
  return BigInt(value);
}

/**
 * A 64-bit wire value as a number, for quantities that can never reach 2^53 in practice (revisions, counts, TTLs,
 * raft indexes and terms). Throws rather than round, so a wrong assumption is loud.
 */
export function toSafeNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`64-bit value ${value} does not fit a JS number exactly`);
  }
  return Number(value);
}

/** The same 64 bits read as int64 (etcd stores some uint64 ids in int64 fields and vice versa). */
export function asInt64(value: bigint): bigint {
  assertIn64Bits(value);
  return BigInt.asIntN(64, value);
}

/** The same 64 bits read as uint64. */
export function asUint64(value: bigint): bigint {
  assertIn64Bits(value);
  return BigInt.asUintN(64, value);
}

/** Lower-case hex without leading zeros, the way etcdctl prints member, cluster and lease ids. */
export function formatId(id: bigint): string {
  return asUint64(id).toString(16);
}

/** Inverse of formatId (accepts an optional 0x prefix). */
export function parseId(hex: string): bigint {
  if (!/^(0x)?[0-9a-fA-F]{1,16}$/.test(hex)) throw new RangeError(`not a 64-bit hex id: ${JSON.stringify(hex)}`);
  return BigInt(hex.startsWith('0x') ? hex : `0x${hex}`);
}

function assertIn64Bits(value: bigint): void {
  if (value < INT64_MIN || value > UINT64_MAX) throw new RangeError(`${value} does not fit in 64 bits`);
}
