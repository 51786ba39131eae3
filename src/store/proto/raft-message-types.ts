// The wire numbers of the Raft core's message types (proto/raft.proto's MessageType), for both peer codecs.
import { MessageType } from '../../raft/types.ts';

/** proto/raft.proto's MessageType numbers. 0 is "unspecified" and never valid. */
export const WIRE_MESSAGE_TYPE: Readonly<Record<MessageType, number>> = {
  [MessageType.Hup]: 1,
  [MessageType.Beat]: 2,
  [MessageType.Prop]: 3,
  [MessageType.App]: 4,
  [MessageType.AppResp]: 5,
  [MessageType.Vote]: 6,
  [MessageType.VoteResp]: 7,
  [MessageType.Snap]: 8,
  [MessageType.Heartbeat]: 9,
  [MessageType.HeartbeatResp]: 10,
  [MessageType.Unreachable]: 11,
  [MessageType.SnapStatus]: 12,
  [MessageType.CheckQuorum]: 13,
  [MessageType.TransferLeader]: 14,
  [MessageType.TimeoutNow]: 15,
  [MessageType.ReadIndex]: 16,
  [MessageType.ReadIndexResp]: 17,
  [MessageType.PreVote]: 18,
  [MessageType.PreVoteResp]: 19,
};

const BY_WIRE_NUMBER: (MessageType | undefined)[] = [];
for (const [type, n] of Object.entries(WIRE_MESSAGE_TYPE)) BY_WIRE_NUMBER[n] = type as MessageType;

/** The message type with wire number `n`; undefined for 0 and for numbers proto/raft.proto does not define. */
export function messageTypeOfWire(n: number): MessageType | undefined {
  return BY_WIRE_NUMBER[n];
}
