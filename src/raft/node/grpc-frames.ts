// The peer stream's frames (proto/raft.proto: PeerMessage from the dialer, PeerAck back), as the codecs shape them.
import { loadRaftProtos, type MessageCodec, type WireMessage } from '../../store/proto/index.ts';

export const RAFT_PEER_STREAM_METHOD = '/barque.raft.RaftPeer/Stream';

export enum Refusal {
  None = 0,
  ClusterMismatch = 1,
  UnknownMember = 2,
  RemovedMember = 3,
  LocalMessage = 4,
  TooLarge = 5,
  Malformed = 6,
  SnapshotDigestMismatch = 7,
}

export type WireHello = {
  cluster_id: bigint;
  from: bigint;
  to: bigint;
};

export type WireSnapshotChunk = {
  announce: WireMessage | null;
  snapshot_index: bigint;
  snapshot_term: bigint;
  offset: bigint;
  total_bytes: bigint;
  data: Buffer;
  sha256: Buffer;
  last: boolean;
};

export type WirePeerFrame = {
  hello: WireHello | null;
  seq: bigint;
  messages: WireMessage[];
  snapshot_chunk: WireSnapshotChunk | null;
};

export type WirePeerAck = {
  seq: bigint;
  snapshot_index: bigint;
  snapshot_bytes: bigint;
  refusal: Refusal;
  detail: string;
};

export function frameCodec(): MessageCodec<WirePeerFrame> {
  return loadRaftProtos().codecs.type<WirePeerFrame>('barque.raft.PeerMessage');
}

export function ackCodec(): MessageCodec<WirePeerAck> {
  return loadRaftProtos().codecs.type<WirePeerAck>('barque.raft.PeerAck');
}

export function refusalName(r: Refusal): string {
  return Refusal[r] ?? `Refusal(${r})`;
}
