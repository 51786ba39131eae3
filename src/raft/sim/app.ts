// The replicated application: an append-only list of client proposal IDs. A proposal's entry data is its ID as
// four big-endian bytes; an empty Normal entry is a leader's no-op. Applying the same ID twice (a forwarded
// proposal duplicated by the network) is a no-op, as etcd dedupes by request ID.
//
// `digest` summarizes the list so that two nodes' states compare in O(1) at every applied index.
import { assert } from '../assert.ts';

export function encodeProposal(id: number): Uint8Array {
  assert(Number.isInteger(id) && id > 0 && id < 0x1_0000_0000, () => `proposal id out of range: ${id}`);
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, id);
  return b;
}

/** The proposal ID of a Normal entry's data, or undefined for a no-op. */
export function decodeProposal(data: Uint8Array): number | undefined {
  if (data.length === 0) return undefined;
  assert(data.length === 4, () => `proposal data must be 4 bytes, got ${data.length}`);
  return new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
}

export function mixDigest(digest: number, id: number): number {
  let h = Math.imul(digest ^ id, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

export class AppState {
  readonly ids: number[] = [];
  private readonly seen = new Set<number>();
  digest = 0;
  appliedIndex = 0;

  /** Applies one proposal (or a duplicate of one); returns whether it was new. */
  applyProposal(id: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    this.ids.push(id);
    this.digest = mixDigest(this.digest, id);
    return true;
  }

  has(id: number): boolean {
    return this.seen.has(id);
  }

  /** Snapshot bytes: digest, then every ID, as big-endian uint32s. */
  encode(): Uint8Array {
    const b = new Uint8Array(4 * (1 + this.ids.length));
    const v = new DataView(b.buffer);
    v.setUint32(0, this.digest);
    for (let k = 0; k < this.ids.length; k++) v.setUint32(4 * (k + 1), this.ids[k]);
    return b;
  }

  /** Rebuilds the state from snapshot bytes; the stored digest must match the IDs (else the snapshot is torn). */
  static decode(data: Uint8Array, appliedIndex: number): AppState {
    const app = new AppState();
    app.appliedIndex = appliedIndex;
    if (data.length === 0) return app;
    assert(data.length % 4 === 0 && data.length >= 4, 'snapshot data is whole uint32s');
    const v = new DataView(data.buffer, data.byteOffset, data.length);
    for (let off = 4; off < data.length; off += 4) app.applyProposal(v.getUint32(off));
    assert(app.digest === v.getUint32(0), 'snapshot digest matches its IDs');
    return app;
  }
}
