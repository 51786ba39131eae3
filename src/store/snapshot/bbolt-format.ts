// bbolt's on-disk format (version 2), as facts: every integer is little-endian (bbolt writes its structs in the
// byte order of the machine, and etcd runs on little-endian machines), a file is an array of fixed-size pages.
//
//   page header (16 bytes)      id u64 | flags u16 | count u16 | overflow u32
//   meta (after the header)     magic u32 | version u32 | pageSize u32 | flags u32 | root bucket (root u64,
//                               sequence u64) | freelist pgid u64 | high-water pgid u64 | txid u64 | checksum u64
//   branch element (16 bytes)   pos u32 | ksize u32 | pgid u64          (pos: from the element to its key)
//   leaf element (16 bytes)     flags u32 | pos u32 | ksize u32 | vsize u32   (value follows the key)
//   bucket value                root u64 | sequence u64, then, when root is 0, an inline leaf page
//   freelist page               count in the header (0xFFFF = the real count is the first u64), then pgids u64
//
// A page whose content is longer than the page size continues into `overflow` following pages.

export const BBOLT_MAGIC = 0xed0cdaed;
export const BBOLT_VERSION = 2;
export const DEFAULT_PAGE_SIZE = 4096;

export const PAGE_HEADER_SIZE = 16;
export const BRANCH_ELEMENT_SIZE = 16;
export const LEAF_ELEMENT_SIZE = 16;
export const BUCKET_HEADER_SIZE = 16;
export const META_SIZE = 64;
/** The checksum covers the meta up to (not including) the checksum field. */
export const META_CHECKSUM_OFFSET = 56;

export const PAGE_FLAG_BRANCH = 0x01;
export const PAGE_FLAG_LEAF = 0x02;
export const PAGE_FLAG_META = 0x04;
export const PAGE_FLAG_FREELIST = 0x10;

/** Leaf element flag: the value is a nested bucket. */
export const LEAF_FLAG_BUCKET = 0x01;

/** A freelist page header's count saturates here; the real count is then the first u64 of the body. */
export const FREELIST_COUNT_OVERFLOW = 0xffff;

/** The freelist field of a meta written with NoFreelistSync: there is no freelist page to read. */
export const PGID_NO_FREELIST = 0xffff_ffff_ffff_ffffn;

const FNV64_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const U64_MASK = 0xffff_ffff_ffff_ffffn;

/** FNV-1a, 64 bits: bbolt's meta checksum. */
export function fnv64a(bytes: Uint8Array): bigint {
  let hash = FNV64_OFFSET_BASIS;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * FNV64_PRIME) & U64_MASK;
  }
  return hash;
}
