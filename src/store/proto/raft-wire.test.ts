import { describe, expect, it } from 'vitest';
import { EntryType, MessageType, message, type Message } from '../../raft/types.ts';
import { encodeMessageFrame, loadRaftProtos, MalformedPeerMessageError, messageFromWire, messageToWire, type WireMessage } from './index.ts';

const frameCodec = () => loadRaftProtos().codecs.type<{ seq: bigint; messages: WireMessage[] }>('barque.raft.PeerMessage');
const roundTrip = (messages: Message[]) => frameCodec().decode(encodeMessageFrame(5n, messages)).messages.map(messageFromWire);

describe('raft messages on the wire', () => {
  it('round-trip every message type with 64-bit node ids', () => {
    const all = Object.values(MessageType).map((type, i) =>
      message({ type, to: 0xfedc_ba98_7654_3210n, from: BigInt(i + 1), term: i, logTerm: 2 * i, index: 1000 + i, commit: 7 }),
    );
    expect(roundTrip(all)).toEqual(all.map((m) => ({ ...m, context: Buffer.alloc(0) })));
  });

  it('round-trip entries, rejections, context and a snapshot with a joint configuration', () => {
    const app = message({
      type: MessageType.App,
      to: 2n,
      from: 1n,
      term: 3,
      entries: [
        { term: 3, index: 10, type: EntryType.Normal, data: Buffer.from('put') },
        { term: 3, index: 11, type: EntryType.ConfChange, data: Buffer.from([1, 2]) },
      ],
      reject: true,
      rejectHint: 9,
      context: Buffer.from('ctx'),
    });
    const snap = message({
      type: MessageType.Snap,
      to: 3n,
      from: 1n,
      snapshot: {
        metadata: {
          index: 500,
          term: 4,
          confState: { voters: [1n, 2n], learners: [9n], votersOutgoing: [1n, 2n, 3n], learnersNext: [3n], autoLeave: true },
        },
        data: Buffer.alloc(0),
      },
    });
    expect(roundTrip([app, snap])).toEqual([app, { ...snap, context: Buffer.alloc(0) }]);
  });

  it('refuses unknown message types and indexes beyond 2^53', () => {
    const base = messageToWire(message({ type: MessageType.Heartbeat }));
    expect(() => messageFromWire({ ...base, type: 0 })).toThrow(MalformedPeerMessageError);
    expect(() => messageFromWire({ ...base, index: 2n ** 60n })).toThrow(MalformedPeerMessageError);
  });
});
