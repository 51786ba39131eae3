// Conversion between the Raft core's plain data (src/raft/types.ts) and proto/raft.proto's wire shape, for the
// peer transport. Node ids stay bigint; indexes and terms become numbers (checked to be exact).
import {
  EntryType,
  type ConfState,
  type Entry,
  type Message,
  type Snapshot,
} from '../../raft/types.ts';
import { loadRaftProtos } from './proto-sets.ts';
import { encodePlainFrame } from './raft-frame-codec.ts';
import { messageTypeOfWire, WIRE_MESSAGE_TYPE } from './raft-message-types.ts';
import { toSafeNumber } from './longs.ts';


/** A peer sent something that does not decode into a valid Raft message: answer with Refusal MALFORMED. */
export class MalformedPeerMessageError extends Error {
  constructor(detail: string) {
    super(`malformed raft peer message: ${detail}`);
    this.name = 'MalformedPeerMessageError';
  }
}

interface WireEntry {
  term: bigint;
  index: bigint;
  type: number;
  data: Buffer;
}
interface WireConfState {
  voters: bigint[];
  learners: bigint[];
  voters_outgoing: bigint[];
  learners_next: bigint[];
  auto_leave: boolean;
}
interface WireSnapshot {
  metadata: { index: bigint; term: bigint; conf_state: WireConfState | null } | null;
  data: Buffer;
}
export interface WireMessage {
  type: number;
  to: bigint;
  from: bigint;
  term: bigint;
  log_term: bigint;
  index: bigint;
  entries: WireEntry[];
  commit: bigint;
  snapshot: WireSnapshot | null;
  reject: boolean;
  reject_hint: bigint;
  context: Buffer;
}

export function messageToWire(m: Message): WireMessage {
  return {
    type: WIRE_MESSAGE_TYPE[m.type],
    to: m.to,
    from: m.from,
    term: BigInt(m.term),
    log_term: BigInt(m.logTerm),
    index: BigInt(m.index),
    entries: m.entries.map(entryToWire),
    commit: BigInt(m.commit),
    snapshot: m.snapshot ? snapshotToWire(m.snapshot) : null,
    reject: m.reject,
    reject_hint: BigInt(m.rejectHint),
    context: asBuffer(m.context),
  };
}

export function messageFromWire(w: WireMessage): Message {
  const type = messageTypeOfWire(w.type);
  if (type === undefined) throw new MalformedPeerMessageError(`unknown message type ${w.type}`);
  const message: Message = {
    type,
    to: w.to,
    from: w.from,
    term: exact(w.term, 'term'),
    logTerm: exact(w.log_term, 'log_term'),
    index: exact(w.index, 'index'),
    entries: w.entries.map(entryFromWire),
    commit: exact(w.commit, 'commit'),
    reject: w.reject,
    rejectHint: exact(w.reject_hint, 'reject_hint'),
    context: w.context,
  };
  if (w.snapshot) message.snapshot = snapshotFromWire(w.snapshot);
  return message;
}

/** One frame of Raft messages (no hello, no snapshot chunk), encoded. */
export function encodeMessageFrame(seq: bigint, messages: readonly Message[]): Buffer {
  const plain = encodePlainFrame(seq, messages);
  if (plain !== undefined) return plain;
  return loadRaftProtos().codecs.type('barque.raft.PeerMessage').encode({ seq, messages: messages.map(messageToWire) });
}

function entryToWire(e: Entry): WireEntry {
  return { term: BigInt(e.term), index: BigInt(e.index), type: e.type, data: asBuffer(e.data) };
}

function entryFromWire(w: WireEntry): Entry {
  if (w.type !== EntryType.Normal && w.type !== EntryType.ConfChange) {
    throw new MalformedPeerMessageError(`unknown entry type ${w.type}`);
  }
  return { term: exact(w.term, 'entry term'), index: exact(w.index, 'entry index'), type: w.type, data: w.data };
}

function snapshotToWire(s: Snapshot): WireSnapshot {
  const c = s.metadata.confState;
  return {
    metadata: {
      index: BigInt(s.metadata.index),
      term: BigInt(s.metadata.term),
      conf_state: {
        voters: c.voters,
        learners: c.learners,
        voters_outgoing: c.votersOutgoing,
        learners_next: c.learnersNext,
        auto_leave: c.autoLeave,
      },
    },
    data: asBuffer(s.data),
  };
}

function snapshotFromWire(w: WireSnapshot): Snapshot {
  if (!w.metadata) throw new MalformedPeerMessageError('snapshot without metadata');
  const c = w.metadata.conf_state;
  const confState: ConfState = {
    voters: c?.voters ?? [],
    learners: c?.learners ?? [],
    votersOutgoing: c?.voters_outgoing ?? [],
    learnersNext: c?.learners_next ?? [],
    autoLeave: c?.auto_leave ?? false,
  };
  return {
    metadata: { index: exact(w.metadata.index, 'snapshot index'), term: exact(w.metadata.term, 'snapshot term'), confState },
    data: w.data,
  };
}

function exact(value: bigint, field: string): number {
  try {
    return toSafeNumber(value);
  } catch {
    throw new MalformedPeerMessageError(`${field} ${value} is out of range`);
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
