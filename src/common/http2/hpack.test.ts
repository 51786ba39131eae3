import { describe, expect, it } from 'vitest';
import { HpackDecoder, encodeWithoutIndexing } from './hpack-decoder.ts';
import { huffmanDecode, HuffmanError } from './hpack-huffman.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('HPACK Huffman decoding', () => {
  it('decodes the RFC 7541 appendix C.4 strings', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff')).toString()).toBe('www.example.com');
    expect(huffmanDecode(hex('a8eb 1064 9cbf')).toString()).toBe('no-cache');
    expect(huffmanDecode(hex('25a8 49e9 5ba9 7d7f')).toString()).toBe('custom-key');
    expect(huffmanDecode(hex('25a8 49e9 5bb8 e8b4 bf')).toString()).toBe('custom-value');
  });

  it('refuses padding that is not all ones or longer than 7 bits', () => {
    expect(() => huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4fe'))).toThrow(HuffmanError);
    expect(() => huffmanDecode(hex('ffff'))).toThrow(HuffmanError);
  });
});

describe('HPACK decoder', () => {
  it('decodes the RFC 7541 C.4 request sequence, tracking the dynamic table', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toEqual([
      [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'],
    ]);
    expect(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).toEqual([
      [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache'],
    ]);
    expect(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).toEqual([
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ]);
  });

  it('evicts by size and honours table size updates', () => {
    const d = new HpackDecoder(100);
    // Literal with incremental indexing, new name "aaaa" (4) value of 30 bytes: 66 bytes; a second evicts the first.
    const lit = (name: string, value: string) =>
      Buffer.concat([Buffer.of(0x40, name.length), Buffer.from(name), Buffer.of(value.length), Buffer.from(value)]);
    d.decode(lit('aaaa', 'x'.repeat(30)));
    d.decode(lit('bbbb', 'y'.repeat(30)));
    expect(d.decode(Buffer.of(0x80 | 62))).toEqual([['bbbb', 'y'.repeat(30)]]);
    expect(() => d.decode(Buffer.of(0x80 | 63))).toThrow(/invalid index/);
    d.decode(Buffer.of(0x20)); // size update to 0 empties the table
    expect(() => d.decode(Buffer.of(0x80 | 62))).toThrow(/invalid index/);
    expect(() => d.decode(Buffer.of(0x3f, 0xe1, 0x1f))).toThrow(/above the announced maximum/);
  });

  it('re-encodes without indexing so that a fresh decoder reads the same fields', () => {
    const fields: Array<[string, string]> = [[':path', '/etcdserverpb.KV/Range'], ['x-long', 'v'.repeat(300)], ['empty', '']];
    const d = new HpackDecoder();
    expect(d.decode(encodeWithoutIndexing(fields))).toEqual(fields);
    expect(d.decode(encodeWithoutIndexing(fields))).toEqual(fields);
  });

  it('rejects truncated input', () => {
    expect(() => new HpackDecoder().decode(hex('4088 25a8'))).toThrow(/truncated/);
  });
});
