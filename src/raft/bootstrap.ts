// Starting a fresh cluster. Two ways, both etcd-like:
//
// 1. Recommended: every initial member installs `bootstrapSnapshot(voters)` (an empty snapshot at index 1, term 1
//    carrying the membership) before its RawNode is created. Nodes added later start with an EMPTY storage: the
//    leader finds their log empty and sends them its storage's snapshot. As in etcd, a node refuses a snapshot
//    whose ConfState does not include it, so the application must snapshot after applying the conf change that
//    adds a node (etcd's server sends a fresh snapshot of its applied state for the same reason).
//
//      const storage = new MemoryStorage();
//      storage.applySnapshot(bootstrapSnapshot([1n, 2n, 3n]));
//      const node = new RawNode({ id: 1n, storage, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(seed) });
//
// 2. `new MemoryStorage({ confState: initialConfState([1n, 2n, 3n]) })`: the membership sits in the empty index-0
//    snapshot and the log starts at index 1. The leader never has anything to send as a snapshot, so a node added
//    later must be started with the same initial ConfState (it then replays every conf change from index 1 on
//    the same base); started empty, it would miss the initial members.
import { emptyConfState, type ConfState, type NodeId, type Snapshot } from './types.ts';

export function initialConfState(voters: NodeId[], learners: NodeId[] = []): ConfState {
  return { ...emptyConfState(), voters: [...voters], learners: [...learners] };
}

export const BOOTSTRAP_INDEX = 1;
export const BOOTSTRAP_TERM = 1;

export function bootstrapSnapshot(voters: NodeId[], learners: NodeId[] = []): Snapshot {
  return {
    metadata: { index: BOOTSTRAP_INDEX, term: BOOTSTRAP_TERM, confState: initialConfState(voters, learners) },
    data: new Uint8Array(0),
  };
}
