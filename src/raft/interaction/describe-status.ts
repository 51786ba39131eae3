// Status lines for `raft-state` and `status`.
import {
  ProgressState,
  type NodeId,
  type Status,
} from '../index.ts';
import { fmtConfState } from './format.ts';

function membership(s: Status): string {
  const c = s.config;
  const has = (ids: NodeId[]) => ids.includes(s.id);
  if (has(c.voters) && has(c.votersOutgoing)) return 'Voter';
  if (has(c.voters)) return c.votersOutgoing.length > 0 ? 'Voter (incoming only)' : 'Voter';
  if (has(c.votersOutgoing)) return 'Voter (outgoing only)';
  if (has(c.learners)) return 'Learner';
  if (has(c.learnersNext)) return 'Learner (next)';
  return 'not a member';
}

/** `1: StateLeader (Voter) Term:2 Lead:1 Commit:5 Applied:5` */
export function describeStatus(s: Status): string {
  const hs = s.hardState;
  return `${s.id}: ${s.softState.raftState} (${membership(s)}) Term:${hs.term} Lead:${s.softState.lead} Commit:${hs.commit} Applied:${s.applied}`;
}

/** The status line, the configuration, and on a leader one line per tracked node's progress. */
export function describeProgress(s: Status): string[] {
  const lines = [describeStatus(s), `  config ${fmtConfState(s.config)}`];
  if (s.leadTransferee !== 0n) lines.push(`  transferring leadership to ${s.leadTransferee}`);
  if (s.progress === undefined) return lines;
  const ids = [...s.progress.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const id of ids) {
    const p = s.progress.get(id)!;
    const parts = [`  ${id}: ${p.state} match=${p.match} next=${p.next}`];
    if (p.isLearner) parts.push('learner');
    if (p.state === ProgressState.Snapshot) parts.push(`pendingSnapshot=${p.pendingSnapshot}`);
    if (p.paused) parts.push('paused');
    if (p.inflightCount > 0) parts.push(`inflight=${p.inflightCount}`);
    lines.push(parts.join(' '));
  }
  return lines;
}
