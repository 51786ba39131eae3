// CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of a byte range. Node's zlib.crc32 (native, since 20.15 and
// 22.2) when present; otherwise a table-driven fallback that gives the same values.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

function tableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return (data) => {
    let c = 0xffffffff;
    for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
}

export const crc32: Crc32 = native !== undefined ? (data) => native(data) >>> 0 : tableCrc32();

/** Exposed so the test can check the fallback against the native one. */
export const crc32Fallback: Crc32 = tableCrc32();
