// A read-only picture of a node, for the driver, the simulator's checkers and operators.
import type { Raft } from './raft.ts';
import { confStateOf } from './tracker/index.ts';
import { StateType, type ConfState, type HardState, type NodeId, type ProgressState, type SoftState } from './types.ts';

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  paused: boolean;
  pendingSnapshot: number;
  inflightCount: number;
  inflightBytes: number;
}

export interface BasicStatus {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
}

export interface Status extends BasicStatus {
  /** The active configuration. */
  config: ConfState;
  /** Every tracked node's progress; only on the leader. */
  progress?: Map<NodeId, ProgressStatus>;
}

export function basicStatusOf(r: Raft): BasicStatus {
  return {
    id: r.id,
    hardState: r.hardState(),
    softState: r.softState(),
    applied: r.raftLog.applied,
    leadTransferee: r.leadTransferee,
  };
}

export function statusOf(r: Raft): Status {
  const s: Status = { ...basicStatusOf(r), config: confStateOf(r.trk.config) };
  if (r.state === StateType.Leader) {
    const progress = new Map<NodeId, ProgressStatus>();
    r.trk.visit((id, pr) => {
      progress.set(id, {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        isLearner: pr.isLearner,
        recentActive: pr.recentActive,
        paused: pr.isPaused(),
        pendingSnapshot: pr.pendingSnapshot,
        inflightCount: pr.inflights.count,
        inflightBytes: pr.inflights.bytes,
      });
    });
    s.progress = progress;
  }
  return s;
}
