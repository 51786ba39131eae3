// The hand-written peer frame codec against the general one: any plain frame either one writes, the other reads
// back identically; what the hand-written decoder does not take (hello, snapshot chunks, unknown fields, values
// past 2^53, unknown types) it leaves to the general codec.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryType, MessageType, type Entry, type Message } from '../../raft/types.ts';
import { decodePlainFrame, encodePlainFrame, loadRaftProtos, messageFromWire, messageToWire, type WireMessage } from './index.ts';

type Frame = { seq: bigint; messages: WireMessage[] };
const general = () => loadRaftProtos().codecs.type<Frame & { hello?: unknown }>('barque.raft.PeerMessage');
const generalEncode = (seq: bigint, messages: Message[]): Buffer => general().encode({ seq, messages: messages.map(messageToWire) });
const generalDecode = (bytes: Buffer): { seq: bigint; messages: Message[] } => {
  const f = general().decode(bytes);
  return { seq: f.seq, messages: f.messages.map(messageFromWire) };
};

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const small = fc.integer({ min: 0, max: 1_000_000 });
const index = fc.oneof(small, safe);
const id = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const entry: fc.Arbitrary<Entry> = fc.record({ term: index, index, type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange), data: bytes });
const message: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...Object.values(MessageType)),
  to: id,
  from: id,
  term: index,
  logTerm: index,
  index,
  entries: fc.array(entry, { maxLength: 5 }),
  commit: index,
  reject: fc.boolean(),
  rejectHint: index,
  context: bytes,
});
const frame = fc.record({ seq: fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }), messages: fc.array(message, { maxLength: 6 }) });

/** Byte fields compared as plain bytes (views and copies alike). */
const plain = (f: { seq: bigint; messages: Message[] }) => ({
  seq: f.seq,
  messages: f.messages.map((m) => ({ ...m, context: [...m.context], entries: m.entries.map((e) => ({ ...e, data: [...e.data] })) })),
});

describe('hand-written raft frame codec', () => {
  it('reads back what it writes, and what the general codec writes, and the general codec reads it', () => {
    fc.assert(
      fc.property(frame, (f) => {
        const mine = encodePlainFrame(f.seq, f.messages);
        expect(mine).toBeDefined();
        const want = plain(f);
        expect(plain(decodePlainFrame(mine as Buffer) as Frame & { messages: Message[] })).toEqual(want);
        expect(plain(generalDecode(mine as Buffer))).toEqual(want);
        expect(plain(decodePlainFrame(generalEncode(f.seq, f.messages)) as Frame & { messages: Message[] })).toEqual(want);
      }),
      { seed: 4242, numRuns: 300 },
    );
  });

  it('leaves snapshots, hellos, unknown fields and oversize values to the general codec', () => {
    const snapMessage: Message = {
      type: MessageType.Snap, to: 2n, from: 1n, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context: Buffer.alloc(0),
      snapshot: { metadata: { index: 5, term: 1, confState: { voters: [1n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } }, data: Buffer.alloc(0) },
    };
    expect(encodePlainFrame(1n, [snapMessage])).toBeUndefined();
    expect(decodePlainFrame(general().encode({ seq: 0n, messages: [], hello: { cluster_id: 1n, from: 2n, to: 3n } }))).toBeUndefined();
    // seq = 2^60: a varint past 2^53.
    expect(decodePlainFrame(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]))).toBeUndefined();
    // An unknown field (15, varint) inside a message.
    expect(decodePlainFrame(Buffer.from([0x1a, 0x04, 0x08, 0x04, 0x78, 0x01]))).toBeUndefined();
    // Message type 99, and a message without a type.
    expect(decodePlainFrame(Buffer.from([0x1a, 0x02, 0x08, 0x63]))).toBeUndefined();
    expect(decodePlainFrame(Buffer.from([0x1a, 0x02, 0x20, 0x01]))).toBeUndefined();
    // Truncated.
    expect(decodePlainFrame(Buffer.from([0x1a, 0x05, 0x08, 0x04]))).toBeUndefined();
    // An empty frame is a plain frame of nothing.
    expect(decodePlainFrame(Buffer.alloc(0))).toEqual({ seq: 0n, messages: [] });
  });
});
