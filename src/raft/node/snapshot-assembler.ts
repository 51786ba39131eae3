// Reassembles a snapshot sent in chunks on one peer stream. The first chunk carries the MsgSnap that announces it
// (with empty data); the last carries the SHA-256 of the whole data. Chunks arrive in order on one stream, so a
// chunk that does not continue the snapshot in progress is a protocol error.
import { createHash, type Hash } from 'node:crypto';
import { messageFromWire } from '../../store/proto/index.ts';
import type { Message } from '../types.ts';
import type { WireSnapshotChunk } from './grpc-frames.ts';

export class SnapshotChunkError extends Error {
  constructor(
    readonly digestMismatch: boolean,
    detail: string,
  ) {
    super(`snapshot chunk refused: ${detail}`);
    this.name = 'SnapshotChunkError';
  }
}

interface InProgress {
  announce: Message;
  index: bigint;
  term: bigint;
  totalBytes: number;
  received: number;
  data: Buffer;
  hash: Hash;
}

export class SnapshotAssembler {
  private current: InProgress | undefined;

  constructor(private readonly bytesMax: number) {}

  /** Bytes of the snapshot in progress received so far. */
  get receivedBytes(): number {
    return this.current?.received ?? 0;
  }

  /** Takes one chunk; returns the MsgSnap with its full data once the last chunk arrived and checked. */
  add(chunk: WireSnapshotChunk): Message | undefined {
    if (chunk.offset === 0n) this.begin(chunk);
    const c = this.current;
    if (c === undefined) throw new SnapshotChunkError(false, 'chunk without a snapshot in progress');
    if (chunk.snapshot_index !== c.index || chunk.snapshot_term !== c.term) {
      this.current = undefined;
      throw new SnapshotChunkError(false, `chunk of snapshot ${chunk.snapshot_index} inside snapshot ${c.index}`);
    }
    if (chunk.offset !== BigInt(c.received) || c.received + chunk.data.length > c.totalBytes) {
      this.current = undefined;
      throw new SnapshotChunkError(false, `chunk at offset ${chunk.offset} after ${c.received} of ${c.totalBytes} bytes`);
    }
    chunk.data.copy(c.data, c.received);
    c.received += chunk.data.length;
    c.hash.update(chunk.data);
    if (!chunk.last) return undefined;
    this.current = undefined;
    if (c.received !== c.totalBytes) {
      throw new SnapshotChunkError(false, `last chunk at ${c.received} of ${c.totalBytes} bytes`);
    }
    if (!c.hash.digest().equals(chunk.sha256)) throw new SnapshotChunkError(true, `digest mismatch for snapshot ${c.index}`);
    const snapshot = c.announce.snapshot!;
    return { ...c.announce, snapshot: { metadata: snapshot.metadata, data: c.data } };
  }

  /** Forgets a partial snapshot (its stream broke). */
  reset(): void {
    this.current = undefined;
  }

  private begin(chunk: WireSnapshotChunk): void {
    if (chunk.announce === null) throw new SnapshotChunkError(false, 'first chunk without its MsgSnap');
    const announce = messageFromWire(chunk.announce);
    if (announce.snapshot === undefined) throw new SnapshotChunkError(false, 'announcing MsgSnap without a snapshot');
    const totalBytes = Number(chunk.total_bytes);
    if (!(totalBytes >= 0 && totalBytes <= this.bytesMax)) {
      throw new SnapshotChunkError(false, `snapshot of ${chunk.total_bytes} bytes exceeds the limit of ${this.bytesMax}`);
    }
    this.current = {
      announce,
      index: chunk.snapshot_index,
      term: chunk.snapshot_term,
      totalBytes,
      received: 0,
      data: Buffer.allocUnsafe(totalBytes),
      hash: createHash('sha256'),
    };
  }
}

/** The chunks of one snapshot message, produced lazily (the data is the application's, already in memory). */
export function* snapshotChunks(
  m: Message,
  chunkBytes: number,
): Generator<Omit<WireSnapshotChunk, 'announce'> & { announce: Message | null }> {
  const snap = m.snapshot!;
  const data = Buffer.from(snap.data.buffer, snap.data.byteOffset, snap.data.byteLength);
  const announce: Message = { ...m, snapshot: { metadata: snap.metadata, data: new Uint8Array(0) } };
  const sha256 = createHash('sha256').update(data).digest();
  let offset = 0;
  do {
    const piece = data.subarray(offset, offset + chunkBytes);
    const last = offset + piece.length >= data.length;
    yield {
      announce: offset === 0 ? announce : null,
      snapshot_index: BigInt(snap.metadata.index),
      snapshot_term: BigInt(snap.metadata.term),
      offset: BigInt(offset),
      total_bytes: BigInt(data.length),
      data: piece,
      sha256: last ? sha256 : Buffer.alloc(0),
      last,
    };
    offset += piece.length;
  } while (offset < data.length);
}
