// Validation of messages arriving from the network. A peer may be buggy, outdated or hostile: everything it
// sends is checked here before the state machine sees it, and refused with RaftError InvalidMessage.
import { RaftError, RaftErrorCode } from './errors.ts';
import { EntryType, LOCAL_MESSAGE_TYPES, MessageType, NONE, type ConfState, type Entry, type Message, type NodeId } from './types.ts';

const MESSAGE_TYPES: ReadonlySet<string> = new Set(Object.values(MessageType));
const MAX_U64 = (1n << 64n) - 1n;

/** Answers to our requests: only meaningful from a node we track. */
export const RESPONSE_TYPES: ReadonlySet<MessageType> = new Set([
  MessageType.AppResp,
  MessageType.VoteResp,
  MessageType.PreVoteResp,
  MessageType.HeartbeatResp,
]);

function invalid(why: string): RaftError {
  return new RaftError(RaftErrorCode.InvalidMessage, `invalid message: ${why}`);
}

function isIndex(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function isNodeId(id: unknown): id is NodeId {
  return typeof id === 'bigint' && id >= 0n && id <= MAX_U64;
}

function checkEntry(e: unknown, at: number): asserts e is Entry {
  if (typeof e !== 'object' || e === null) throw invalid(`entry ${at} is not an object`);
  const x = e as Partial<Entry>;
  if (!isIndex(x.index) || !isIndex(x.term)) throw invalid(`entry ${at} has a bad index or term`);
  if (x.type !== EntryType.Normal && x.type !== EntryType.ConfChange) throw invalid(`entry ${at} has unknown type`);
  if (!(x.data instanceof Uint8Array)) throw invalid(`entry ${at} data is not bytes`);
}

function checkConfState(cs: unknown): asserts cs is ConfState {
  if (typeof cs !== 'object' || cs === null) throw invalid('snapshot without conf state');
  const c = cs as Partial<ConfState>;
  for (const list of [c.voters, c.learners, c.votersOutgoing, c.learnersNext]) {
    if (!Array.isArray(list) || !list.every(isNodeId)) throw invalid('conf state has a bad node list');
  }
  if (typeof c.autoLeave !== 'boolean') throw invalid('conf state autoLeave is not boolean');
}

/** Throws RaftError InvalidMessage unless m is a well-formed message from a peer to node `self`. */
export function validatePeerMessage(m: unknown, self: NodeId): asserts m is Message {
  if (typeof m !== 'object' || m === null) throw invalid('not an object');
  const x = m as Partial<Message>;
  if (typeof x.type !== 'string' || !MESSAGE_TYPES.has(x.type)) throw invalid(`unknown type ${String(x.type)}`);
  const type = x.type as MessageType;
  if (LOCAL_MESSAGE_TYPES.has(type)) throw invalid(`local message type ${type} from the network`);
  if (!isNodeId(x.from) || x.from === NONE) throw invalid('missing or bad sender');
  // A transfer request names the transferee in `from`, which may be us when another node forwards it.
  if (x.from === self && type !== MessageType.TransferLeader) throw invalid('message from ourselves');
  if (x.to !== self) throw invalid(`addressed to ${String(x.to)}, not ${self}`);
  for (const k of ['term', 'logTerm', 'index', 'commit', 'rejectHint'] as const) {
    if (!isIndex(x[k])) throw invalid(`bad ${k}`);
  }
  if (typeof x.reject !== 'boolean') throw invalid('reject is not boolean');
  if (!(x.context instanceof Uint8Array)) throw invalid('context is not bytes');
  if (!Array.isArray(x.entries)) throw invalid('entries is not an array');
  x.entries.forEach((e, i) => checkEntry(e, i));
  const msg = x as Message;

  // Proposals and read requests are not bound to a term; everything else must carry one.
  const termless = type === MessageType.Prop || type === MessageType.ReadIndex;
  if (termless && msg.term !== 0) throw invalid(`${type} with a term`);
  if (!termless && msg.term === 0) throw invalid(`${type} without a term`);

  switch (type) {
    case MessageType.Prop:
      if (msg.entries.length === 0) throw invalid('empty proposal');
      break;
    case MessageType.App: {
      if (msg.logTerm > msg.term) throw invalid('append after an entry from a future term');
      let prevTerm = msg.logTerm;
      for (let i = 0; i < msg.entries.length; i++) {
        const e = msg.entries[i];
        if (e.index !== msg.index + 1 + i) throw invalid('append entries are not contiguous after index');
        if (e.term < prevTerm || e.term > msg.term) throw invalid('append entry terms out of order');
        prevTerm = e.term;
      }
      if (msg.index + msg.entries.length > Number.MAX_SAFE_INTEGER) throw invalid('append beyond index range');
      break;
    }
    case MessageType.Snap: {
      const s = msg.snapshot;
      if (typeof s !== 'object' || s === null || typeof s.metadata !== 'object' || s.metadata === null) {
        throw invalid('MsgSnap without snapshot');
      }
      if (!isIndex(s.metadata.index) || !isIndex(s.metadata.term) || s.metadata.index === 0 || s.metadata.term === 0) {
        throw invalid('snapshot with bad index or term');
      }
      if (s.metadata.term > msg.term) throw invalid('snapshot from a future term');
      checkConfState(s.metadata.confState);
      if (!(s.data instanceof Uint8Array)) throw invalid('snapshot data is not bytes');
      break;
    }
    case MessageType.Vote:
    case MessageType.PreVote:
      if (msg.logTerm > msg.term) throw invalid('vote request with last log term above its term');
      break;
    default:
      break;
  }
}
