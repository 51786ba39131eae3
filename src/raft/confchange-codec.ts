// Binary form of a ConfChangeV2 inside an EntryType.ConfChange entry. Our own compact layout:
//   u8 version (1) | u8 transition | u32 count | count x (u8 type | u64 nodeId) | u32 contextLength | context
// all big-endian. Decoding validates everything, since the bytes may come from a peer.
import { RaftError, RaftErrorCode } from './errors.ts';
import { ConfChangeTransition, ConfChangeType, type ConfChangeSingle, type ConfChangeV2 } from './types.ts';

const VERSION = 1;
const HEADER_BYTES = 1 + 1 + 4;
const CHANGE_BYTES = 1 + 8;
const MAX_U64 = (1n << 64n) - 1n;

export function encodeConfChange(cc: ConfChangeV2): Uint8Array {
  const size = HEADER_BYTES + cc.changes.length * CHANGE_BYTES + 4 + cc.context.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  view.setUint8(at, VERSION);
  view.setUint8(at + 1, cc.transition);
  view.setUint32(at + 2, cc.changes.length);
  at += HEADER_BYTES;
  for (const c of cc.changes) {
    if (c.nodeId < 0n || c.nodeId > MAX_U64) throw invalid(`node id ${c.nodeId} out of uint64 range`);
    view.setUint8(at, c.type);
    view.setBigUint64(at + 1, c.nodeId);
    at += CHANGE_BYTES;
  }
  view.setUint32(at, cc.context.length);
  at += 4;
  out.set(cc.context, at);
  return out;
}

/** Throws RaftError InvalidConfChange when the bytes are not a well-formed ConfChangeV2. */
export function decodeConfChange(data: Uint8Array): ConfChangeV2 {
  if (data.length < HEADER_BYTES + 4) throw invalid('conf change too short');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint8(0) !== VERSION) throw invalid(`unknown conf change version ${view.getUint8(0)}`);
  const transition = view.getUint8(1);
  if (!isTransition(transition)) throw invalid(`unknown transition ${transition}`);
  const count = view.getUint32(2);
  let at = HEADER_BYTES;
  if (data.length < at + count * CHANGE_BYTES + 4) throw invalid('conf change truncated');
  const changes: ConfChangeSingle[] = [];
  for (let i = 0; i < count; i++) {
    const type = view.getUint8(at);
    if (!isChangeType(type)) throw invalid(`unknown change type ${type}`);
    changes.push({ type, nodeId: view.getBigUint64(at + 1) });
    at += CHANGE_BYTES;
  }
  const contextLength = view.getUint32(at);
  at += 4;
  if (data.length !== at + contextLength) throw invalid('conf change context length mismatch');
  return { transition, changes, context: data.slice(at, at + contextLength) };
}

function isTransition(t: number): t is ConfChangeTransition {
  return t === ConfChangeTransition.Auto || t === ConfChangeTransition.JointImplicit || t === ConfChangeTransition.JointExplicit;
}

function isChangeType(t: number): t is ConfChangeType {
  return (
    t === ConfChangeType.AddNode ||
    t === ConfChangeType.RemoveNode ||
    t === ConfChangeType.UpdateNode ||
    t === ConfChangeType.AddLearnerNode
  );
}

function invalid(msg: string): RaftError {
  return new RaftError(RaftErrorCode.InvalidConfChange, msg);
}

/** Whether the change leaves a joint configuration (an empty change list). */
export function isLeaveJoint(cc: ConfChangeV2): boolean {
  return cc.changes.length === 0;
}

/** Whether the change enters a joint configuration, and if so whether it is left automatically. */
export function entersJoint(cc: ConfChangeV2): { joint: boolean; autoLeave: boolean } {
  const joint = cc.transition !== ConfChangeTransition.Auto || cc.changes.length > 1;
  return { joint, autoLeave: joint && cc.transition !== ConfChangeTransition.JointExplicit };
}
