// How Raft messages leave and reach a node. The driver hands every message of a Ready to `send` at once and never
// waits: a transport queues per peer, bounded, and drops (reporting the peer unreachable) rather than grow memory
// behind a slow or dead peer. Raft retries whatever is lost.
import type { Message, NodeId } from '../types.ts';

/** What a transport tells the node about its peers, to step into the core. */
export type PeerReport =
  /** A message to `peer` was dropped or its connection broke: the core stops pipelining to it. */
  | { type: 'unreachable'; peer: NodeId }
  /** The snapshot sent to `peer` (MsgSnap) was fully delivered (ok) or failed. */
  | { type: 'snapshot'; peer: NodeId; ok: boolean }
  /** `peer` refused us for good (another cluster, or it does not know us): a configuration error to surface. */
  | { type: 'refused'; peer: NodeId; reason: string; detail: string };

export interface Transport {
  readonly id: NodeId;
  /**
   * Queues messages for their recipients and returns at once. Messages of one call to the same peer travel as
   * one frame, in order; frames to one peer arrive in the order sent. A MsgSnap is sent as a snapshot (in
   * chunks where the transport chunks) and answered with a 'snapshot' report.
   */
  send(messages: readonly Message[]): void;
  /** Where received messages go: one call per received frame, in arrival order. */
  onReceive(handler: (messages: Message[]) => void): void;
  onReport(handler: (report: PeerReport) => void): void;
  /** Starts talking to `id` at `url` (replacing any earlier address). Messages from unknown senders are refused. */
  addPeer(id: NodeId, url: string): void;
  /** Forgets `id`: its queue is dropped, its connection closed, its messages refused from now on. */
  removePeer(id: NodeId): void;
  close(): Promise<void>;
}

/** Bounds of one peer's outgoing queue (messages not yet handed to the peer). */
export interface PeerQueueLimits {
  /** Frames waiting for one peer; beyond it a new frame is dropped and the peer reported unreachable. */
  framesMax: number;
  /** Bytes (approximate encoded size) waiting for one peer. */
  bytesMax: number;
}

export const DEFAULT_PEER_QUEUE_LIMITS: PeerQueueLimits = { framesMax: 1024, bytesMax: 64 * 1024 * 1024 };

/** Approximate encoded size of a message, for queue bounds. */
export function messageSizeBytes(m: Message): number {
  let size = 64 + m.context.length;
  for (const e of m.entries) size += e.data.length + 24;
  if (m.snapshot !== undefined) size += m.snapshot.data.length + 64;
  return size;
}

/** Messages grouped by recipient, keeping their order; snapshots apart (they travel on their own). */
export function groupByPeer(messages: readonly Message[]): Map<NodeId, Message[]> {
  const byPeer = new Map<NodeId, Message[]>();
  for (const m of messages) {
    let list = byPeer.get(m.to);
    if (list === undefined) byPeer.set(m.to, (list = []));
    list.push(m);
  }
  return byPeer;
}
