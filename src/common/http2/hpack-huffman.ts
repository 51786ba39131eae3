// HPACK's Huffman code (RFC 7541, appendix B) for decoding header strings.
//
// The code is canonical: codes are assigned in order of (length, symbol), so the 257 code lengths alone define
// it. Each character below is one symbol's length as an offset from 'A' = 5 bits, symbols 0..255 in order;
// EOS (symbol 256) is 30 bits.
const LENGTHS =
  'ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHFIBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABABABBBACCBBBABCBAABCCCCCKGJIXPRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRSVVPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWV';
const EOS = 256;
const MAX_LENGTH = 30;

interface CanonicalTable {
  /** Symbols sorted by (length, symbol). */
  symbols: number[];
  /** For each length: the first code of that length, the index of its first symbol, and how many there are. */
  firstCode: number[];
  firstIndex: number[];
  count: number[];
}

function buildTable(): CanonicalTable {
  const lengths = [...LENGTHS].map((c) => c.charCodeAt(0) - 'A'.charCodeAt(0) + 5);
  lengths.push(MAX_LENGTH);
  const symbols = lengths.map((_, s) => s).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const firstCode = new Array<number>(MAX_LENGTH + 1).fill(0);
  const firstIndex = new Array<number>(MAX_LENGTH + 1).fill(0);
  const count = new Array<number>(MAX_LENGTH + 1).fill(0);
  for (const l of lengths) count[l]++;
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_LENGTH; len++) {
    firstCode[len] = code;
    firstIndex[len] = index;
    code = (code + count[len]) * 2;
    index += count[len];
  }
  return { symbols, firstCode, firstIndex, count };
}

const table = buildTable();

export class HuffmanError extends Error {}

/** Decodes a Huffman-coded HPACK string. Padding must be at most 7 one-bits, as the RFC requires. */
export function huffmanDecode(input: Uint8Array): Buffer {
  const out: number[] = [];
  let code = 0;
  let len = 0;
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      len++;
      const offset = code - table.firstCode[len];
      if (offset >= 0 && offset < table.count[len]) {
        const symbol = table.symbols[table.firstIndex[len] + offset];
        if (symbol === EOS) throw new HuffmanError('hpack: EOS symbol inside a string');
        out.push(symbol);
        code = 0;
        len = 0;
      } else if (len >= MAX_LENGTH) {
        throw new HuffmanError('hpack: invalid Huffman code');
      }
    }
  }
  if (len > 7 || code !== 2 ** len - 1) throw new HuffmanError('hpack: invalid Huffman padding');
  return Buffer.from(out);
}
