// How interaction scripts print the core's data: one line per message or entry, fields in a fixed order, zero
// fields left out, so that a golden file reads like a trace and changes only when behaviour changes.
import {
  ConfChangeTransition,
  ConfChangeType,
  EntryType,
  MessageType,
  type ConfChangeV2,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type NodeId,
  type ReadState,
  type Snapshot,
  type SoftState,
} from '../index.ts';
import { decodeConfChangeData } from './conf-change.ts';

const utf8 = new TextDecoder('utf-8', { fatal: false });

export function fmtBytes(b: Uint8Array): string {
  return JSON.stringify(utf8.decode(b));
}

export function fmtIds(ids: readonly NodeId[]): string {
  return `[${[...ids]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map(String)
    .join(' ')}]`;
}

const CHANGE_WORD: Record<ConfChangeType, string> = {
  [ConfChangeType.AddNode]: 'voter',
  [ConfChangeType.AddLearnerNode]: 'learner',
  [ConfChangeType.RemoveNode]: 'remove',
  [ConfChangeType.UpdateNode]: 'update',
};

const TRANSITION_WORD: Record<ConfChangeTransition, string> = {
  [ConfChangeTransition.Auto]: 'auto',
  [ConfChangeTransition.JointImplicit]: 'implicit',
  [ConfChangeTransition.JointExplicit]: 'explicit',
};

/** `voter:2 learner:4`, `transition=explicit voter:2`, or `leave-joint` for the empty change. */
export function fmtConfChange(cc: ConfChangeV2): string {
  if (cc.changes.length === 0) return 'leave-joint';
  const parts: string[] = [];
  if (cc.transition !== ConfChangeTransition.Auto) parts.push(`transition=${TRANSITION_WORD[cc.transition]}`);
  for (const c of cc.changes) parts.push(`${CHANGE_WORD[c.type]}:${c.nodeId}`);
  if (cc.context.length > 0) parts.push(`context=${fmtBytes(cc.context)}`);
  return parts.join(' ');
}

export function fmtEntry(e: Entry): string {
  const head = `${e.term}/${e.index}`;
  if (e.type === EntryType.ConfChange) {
    let body: string;
    try {
      body = fmtConfChange(decodeConfChangeData(e.data));
    } catch (err) {
      body = `<undecodable: ${(err as Error).message}>`;
    }
    return `${head} EntryConfChange ${body}`;
  }
  return `${head} EntryNormal ${fmtBytes(e.data)}`;
}

export function fmtEntries(es: readonly Entry[]): string {
  return `[${es.map(fmtEntry).join(', ')}]`;
}

export function fmtConfState(cs: ConfState): string {
  const parts = [`Voters:${fmtIds(cs.voters)}`];
  if (cs.votersOutgoing.length > 0) parts[0] = `Voters:${fmtIds(cs.voters)}&&${fmtIds(cs.votersOutgoing)}`;
  if (cs.learners.length > 0) parts.push(`Learners:${fmtIds(cs.learners)}`);
  if (cs.learnersNext.length > 0) parts.push(`LearnersNext:${fmtIds(cs.learnersNext)}`);
  if (cs.autoLeave) parts.push('AutoLeave');
  return parts.join(' ');
}

export function fmtSnapshot(s: Snapshot): string {
  const data = s.data.length > 0 ? ` Data:${fmtBytes(s.data)}` : '';
  return `Index:${s.metadata.index} Term:${s.metadata.term} ${fmtConfState(s.metadata.confState)}${data}`;
}

export function fmtHardState(h: HardState): string {
  return `Term:${h.term} Vote:${h.vote} Commit:${h.commit}`;
}

export function fmtSoftState(s: SoftState): string {
  return `State:${s.raftState} Lead:${s.lead}`;
}

export function fmtReadState(r: ReadState): string {
  return `Index:${r.index} Context:${fmtBytes(r.requestCtx)}`;
}

/** Reject-hint is meaningful only on append responses; vote responses just say Rejected. */
export function fmtMessage(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} Term:${m.term}`];
  if (m.logTerm !== 0 || m.type === MessageType.App) parts.push(`Log:${m.logTerm}/${m.index}`);
  else if (m.index !== 0) parts.push(`Index:${m.index}`);
  if (m.commit !== 0) parts.push(`Commit:${m.commit}`);
  if (m.entries.length > 0) parts.push(`Entries:${fmtEntries(m.entries)}`);
  if (m.snapshot !== undefined) parts.push(`Snapshot:{${fmtSnapshot(m.snapshot)}}`);
  if (m.reject) parts.push(m.type === MessageType.AppResp ? `Rejected (Hint:${m.rejectHint})` : 'Rejected');
  if (m.context.length > 0) parts.push(`Context:${fmtBytes(m.context)}`);
  return parts.join(' ');
}
