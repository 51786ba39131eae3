import { describe, expect, it } from 'vitest';
import { RaftError, RaftErrorCode } from './errors.ts';
import { TestCluster } from './testing/harness.ts';
import { MessageType, NONE, StateType } from './types.ts';

describe('leader transfer', () => {
  it('hands leadership to an up-to-date follower', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.transferLeader(2n);
    c.stabilize();
    expect(c.leader()).toBe(2n);
    expect(c.status(2n).hardState.term).toBe(2);
    expect(c.status(1n).softState.raftState).toBe(StateType.Follower);
  });

  it('catches a lagging transferee up first, refusing proposals meanwhile', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    c.propose(1n, 'x');
    c.stabilize();
    c.heal();
    c.get(1n).node.transferLeader(3n);
    c.processReady(1n);
    expect(c.status(1n).leadTransferee).toBe(3n);
    try {
      c.propose(1n, 'y');
      expect.unreachable();
    } catch (e) {
      expect((e as RaftError).code).toBe(RaftErrorCode.TransferInProgress);
    }
    c.stabilize();
    expect(c.sent.some((m) => m.type === MessageType.TimeoutNow && m.to === 3n)).toBe(true);
    expect(c.leader()).toBe(3n);
    expect(c.appliedData(3n)).toEqual(['x']);
  });

  it('is abandoned after an election timeout when the transferee does not respond', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    c.get(1n).node.transferLeader(3n);
    c.processReady(1n);
    expect(c.status(1n).leadTransferee).toBe(3n);
    for (let i = 0; i < 10; i++) {
      c.tick(1n);
      c.tick(2n);
      c.stabilize();
    }
    expect(c.status(1n).leadTransferee).toBe(NONE);
    expect(c.leader()).toBe(1n);
    c.propose(1n, 'after');
  });

  it('ignores transfers to learners, to itself and to unknown nodes', () => {
    const c = new TestCluster([1n, 2n], {}, [3n]);
    c.elect(1n);
    for (const to of [3n, 1n, 9n]) {
      c.get(1n).node.transferLeader(to);
      expect(c.status(1n).leadTransferee).toBe(NONE);
    }
  });

  it('a follower forwards the request to the leader', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(2n).node.transferLeader(2n);
    c.stabilize();
    expect(c.leader()).toBe(2n);
  });
});
