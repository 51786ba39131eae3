import { describe, expect, it } from 'vitest';
import { RaftError, RaftErrorCode } from './errors.ts';
import { TestCluster } from './testing/harness.ts';
import {
  ConfChangeTransition,
  ConfChangeType,
  MessageType,
  StateType,
  type ConfChangeSingle,
  type ConfChangeV2,
} from './types.ts';

const add = (n: bigint): ConfChangeSingle => ({ type: ConfChangeType.AddNode, nodeId: n });
const learner = (n: bigint): ConfChangeSingle => ({ type: ConfChangeType.AddLearnerNode, nodeId: n });
const remove = (n: bigint): ConfChangeSingle => ({ type: ConfChangeType.RemoveNode, nodeId: n });
const cc = (changes: ConfChangeSingle[], transition = ConfChangeTransition.Auto): ConfChangeV2 => ({
  transition,
  changes,
  context: new Uint8Array(),
});

function codeOf(f: () => void): RaftErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RaftError) return e.code;
    throw e;
  }
  return undefined;
}

describe('learners', () => {
  it('a learner is replicated to but never counts for commit or votes', () => {
    const c = new TestCluster([1n, 2n], {}, [3n]);
    c.elect(1n);
    c.propose(1n, 'x');
    c.stabilize();
    expect(c.appliedData(3n)).toEqual(['x']);
    expect(c.sent.some((m) => m.type === MessageType.Vote && m.to === 3n)).toBe(false);
    expect(c.sent.some((m) => m.type === MessageType.PreVote && m.to === 3n)).toBe(false);
    // With 2 unreachable, 1 + learner 3 is no quorum.
    c.isolate(2n);
    c.propose(1n, 'y');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['x']);
  });

  it('a learner added at runtime catches up and can be promoted', () => {
    const c = new TestCluster([1n]);
    c.elect(1n);
    c.propose(1n, 'before');
    c.stabilize();
    c.addNode(2n);
    c.get(1n).node.proposeConfChange(cc([learner(2n)]));
    c.stabilize();
    expect(c.get(1n).confState.learners).toEqual([2n]);
    expect(c.appliedData(2n)).toEqual(['before']);
    expect(c.get(2n).confState.learners).toEqual([2n]);
    c.get(1n).node.proposeConfChange(cc([add(2n)]));
    c.stabilize();
    expect(c.get(1n).confState.voters).toEqual([1n, 2n]);
    // Now a quorum needs both.
    c.isolate(2n);
    c.propose(1n, 'blocked');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['before']);
  });
});

describe('simple membership changes', () => {
  it('adds a voter with an empty log, which catches up from the leader', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(1n, 'a');
    c.stabilize();
    c.addNode(4n);
    c.get(1n).node.proposeConfChange(cc([add(4n)]));
    c.stabilize();
    expect(c.get(4n).confState.voters).toEqual([1n, 2n, 3n, 4n]);
    expect(c.appliedData(4n)).toEqual(['a']);
  });

  it('removing a follower shrinks the quorum', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.proposeConfChange(cc([remove(3n)]));
    c.stabilize();
    expect(c.get(1n).confState.voters).toEqual([1n, 2n]);
    expect(c.status(1n).progress!.has(3n)).toBe(false);
    c.propose(1n, 'two');
    c.stabilize();
    expect(c.appliedData(2n)).toEqual(['two']);
  });

  it('a removed leader steps down and the rest elect a new one', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.proposeConfChange(cc([remove(1n)]));
    c.stabilize();
    expect(c.status(1n).softState.raftState).toBe(StateType.Follower);
    expect(codeOf(() => c.get(1n).node.campaign())).toBeUndefined();
    c.nodes.delete(1n);
    for (let i = 0; i < 40 && c.leader() === undefined; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect([2n, 3n]).toContain(c.leader());
  });

  it('only one conf change may be pending', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.proposeConfChange(cc([add(4n)]));
    expect(codeOf(() => c.get(1n).node.proposeConfChange(cc([add(5n)])))).toBe(RaftErrorCode.InvalidConfChange);
    c.stabilize();
    c.get(1n).node.proposeConfChange(cc([add(5n)]));
  });

  it('invalid changes are refused at proposal time', () => {
    const c = new TestCluster([1n]);
    c.elect(1n);
    expect(codeOf(() => c.get(1n).node.proposeConfChange(cc([remove(1n)])))).toBe(RaftErrorCode.InvalidConfChange);
    expect(codeOf(() => c.get(1n).node.proposeConfChange(cc([add(2n), add(3n)], ConfChangeTransition.Auto).changes.length > 0
      ? cc([], ConfChangeTransition.Auto)
      : cc([])))).toBe(RaftErrorCode.InvalidConfChange);
  });

  it('a new leader does not accept a conf change until its log is applied', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.transferLeader(2n);
    c.stabilize();
    expect(c.leader()).toBe(2n);
    c.get(2n).node.proposeConfChange(cc([add(4n)]));
    c.stabilize();
    expect(c.get(2n).confState.voters).toEqual([1n, 2n, 3n, 4n]);
  });
});

describe('joint consensus', () => {
  it('JointImplicit: enters the joint config and leaves it automatically', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.addNode(4n);
    c.addNode(5n);
    c.get(1n).node.proposeConfChange(cc([add(4n), add(5n), remove(3n)], ConfChangeTransition.JointImplicit));
    c.stabilize();
    const cs = c.get(1n).confState;
    expect(cs.voters).toEqual([1n, 2n, 4n, 5n]);
    expect(cs.votersOutgoing).toEqual([]);
    expect(cs.autoLeave).toBe(false);
    for (const id of [2n, 4n, 5n]) expect(c.get(id).confState.voters).toEqual([1n, 2n, 4n, 5n]);
    c.propose(1n, 'after');
    c.stabilize();
    expect(c.appliedData(5n)).toEqual(['after']);
  });

  it('JointExplicit: stays joint until the application leaves explicitly', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.addNode(4n);
    c.get(1n).node.proposeConfChange(cc([add(4n), remove(2n)], ConfChangeTransition.JointExplicit));
    c.stabilize();
    let cs = c.get(1n).confState;
    expect(cs.voters).toEqual([1n, 3n, 4n]);
    expect(cs.votersOutgoing).toEqual([1n, 2n, 3n]);
    // In the joint config both halves must agree: {1,2,3} needs 2 of 3, {1,3,4} needs 2 of 3.
    c.isolate(3n);
    c.isolate(4n);
    c.propose(1n, 'needs-both');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual([]);
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['needs-both']);
    // Entering another joint config while joint is refused; leaving is accepted.
    expect(codeOf(() => c.get(1n).node.proposeConfChange(cc([add(5n)])))).toBe(RaftErrorCode.InvalidConfChange);
    c.get(1n).node.proposeConfChange(cc([]));
    c.stabilize();
    cs = c.get(1n).confState;
    expect(cs.voters).toEqual([1n, 3n, 4n]);
    expect(cs.votersOutgoing).toEqual([]);
  });

  it('a joint change that removes the leader: it steps down after leaving', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.proposeConfChange(cc([remove(1n)], ConfChangeTransition.JointImplicit));
    c.stabilize();
    expect(c.get(2n).confState.voters).toEqual([2n, 3n]);
    expect(c.get(2n).confState.votersOutgoing).toEqual([]);
    expect(c.status(1n).softState.raftState).toBe(StateType.Follower);
  });

  it('demotion to learner through a joint config', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.proposeConfChange(cc([learner(3n)], ConfChangeTransition.JointImplicit));
    c.stabilize();
    const cs = c.get(1n).confState;
    expect(cs.voters).toEqual([1n, 2n]);
    expect(cs.learners).toEqual([3n]);
    expect(cs.learnersNext).toEqual([]);
  });
});
