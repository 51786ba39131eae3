// The peer stream's frames (proto/raft.proto: PeerMessage from the dialer, PeerAck back), as the codecs shape them.
import { decodePlainFrame, loadRaftProtos, type MessageCodec, type WireMessage } from '../../store/proto/index.ts';
import type { Message } from '../types.ts';

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
  /** Acknowledge at least every this many frames; 0 (an older sender): after every burst. */
  ack_every?: number;
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
  /** Set by decodePeerFrame for a frame of plain messages: already the core's Messages (`messages` is empty). */
  decoded?: Message[];
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

/** The receiving side's decoder: plain frames by hand (raft-frame-codec.ts), the rest by the general codec. */
export function decodePeerFrame(bytes: Buffer): WirePeerFrame {
  const plain = decodePlainFrame(bytes);
  if (plain === undefined) return frameCodec().decode(bytes);
  return { hello: null, seq: plain.seq, messages: [], snapshot_chunk: null, decoded: plain.messages };
}

export function ackCodec(): MessageCodec<WirePeerAck> {
  return loadRaftProtos().codecs.type<WirePeerAck>('barque.raft.PeerAck');
}

export function refusalName(r: Refusal): string {
  return Refusal[r] ?? `Refusal(${r})`;
}
