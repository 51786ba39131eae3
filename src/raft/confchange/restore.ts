// Rebuilds a tracker configuration from a ConfState (from a snapshot or at startup) by replaying it as a series
// of changes through the Changer, so that the same validation applies.
import { ConfChangeType, type ConfChangeSingle, type ConfState } from '../types.ts';
import { emptyTrackerConfig } from '../tracker/index.ts';
import { Changer, type ChangeResult } from './changer.ts';

export interface RestoreOptions {
  lastIndex: number;
  maxInflight: number;
  maxInflightBytes?: number;
}

/** Throws RaftError InvalidConfChange when the ConfState is not a reachable configuration. */
export function restoreConfig(cs: ConfState, opts: RestoreOptions): ChangeResult {
  const outgoing: ConfChangeSingle[] = cs.votersOutgoing.map((id) => ({ type: ConfChangeType.AddNode, nodeId: id }));
  const incoming: ConfChangeSingle[] = [
    ...cs.votersOutgoing.map((id) => ({ type: ConfChangeType.RemoveNode, nodeId: id })),
    ...cs.voters.map((id) => ({ type: ConfChangeType.AddNode, nodeId: id })),
    ...cs.learners.map((id) => ({ type: ConfChangeType.AddLearnerNode, nodeId: id })),
    ...cs.learnersNext.map((id) => ({ type: ConfChangeType.AddLearnerNode, nodeId: id })),
  ];
  let result: ChangeResult = { config: emptyTrackerConfig(), progress: new Map() };
  const changer = (r: ChangeResult) =>
    new Changer(r.config, r.progress, opts.lastIndex, opts.maxInflight, opts.maxInflightBytes ?? 0);
  if (outgoing.length === 0) {
    // One change at a time, so that "more than one voter changed" never fires.
    for (const cc of incoming) result = changer(result).simple([cc]);
    return result;
  }
  // Build the outgoing config first, then enter the joint config with the incoming changes in one step.
  for (const cc of outgoing) result = changer(result).simple([cc]);
  return changer(result).enterJoint(cs.autoLeave, incoming);
}
