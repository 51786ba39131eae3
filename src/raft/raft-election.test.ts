import { describe, expect, it } from 'vitest';
import { Raft } from './raft.ts';
import { SeededRng } from './rng.ts';
import { MemoryStorage } from './storage/memory-storage.ts';
import { initialConfState } from './bootstrap.ts';
import { TestCluster } from './testing/harness.ts';
import { message, MessageType, StateType } from './types.ts';

const term = (c: TestCluster, id: bigint) => c.get(id).node.basicStatus().hardState.term;
const state = (c: TestCluster, id: bigint) => c.get(id).node.basicStatus().softState.raftState;

describe('elections', () => {
  it('randomized election timeout lies in [electionTick, 2*electionTick)', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) {
      const r = new Raft({
        id: 1n,
        storage: new MemoryStorage({ confState: initialConfState([1n, 2n, 3n]) }),
        electionTick: 10,
        heartbeatTick: 1,
        rng: new SeededRng(seed),
      });
      let ticks = 0;
      while (r.state === StateType.Follower) {
        r.tick();
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      seen.add(ticks);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('ticking elects exactly one leader, with pre-vote not inflating the term', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    for (let i = 0; i < 40 && c.leader() === undefined; i++) {
      c.tickAll();
      c.stabilize();
    }
    const lead = c.leader();
    expect(lead).toBeDefined();
    const leaders = [...c.nodes.keys()].filter((id) => state(c, id) === StateType.Leader);
    expect(leaders).toEqual([lead]);
    for (const id of c.nodes.keys()) expect(term(c, id)).toBe(1);
  });

  it('a candidate that loses falls back to follower', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false, checkQuorum: false });
    c.elect(1n);
    // Node 3 misses an entry, then campaigns with a stale log at a higher term.
    c.isolate(3n);
    c.propose(1n, 'x');
    c.stabilize();
    c.heal();
    c.get(3n).node.campaign();
    c.processReady(3n);
    c.deliver((m) => m.type === MessageType.Vote);
    c.processReady(1n);
    c.processReady(2n);
    c.deliver((m) => m.type === MessageType.VoteResp && m.to === 3n);
    c.processReady(3n);
    expect(state(c, 3n)).toBe(StateType.Follower);
  });

  it('votes are not granted to candidates with stale logs (unless unsafe)', () => {
    for (const unsafe of [false, true]) {
      const c = new TestCluster([1n, 2n, 3n], { preVote: false, checkQuorum: false, unsafe: { grantVotesToStaleLogs: unsafe } });
      campaignWithStaleLog(c);
      expect(state(c, 3n) === StateType.Leader).toBe(unsafe);
    }
  });

  it('a node votes at most once per term', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false });
    c.get(1n).node.campaign();
    c.get(3n).node.campaign();
    c.processReady(1n);
    c.processReady(3n);
    // 2 receives 1's request first.
    c.deliver((m) => m.to === 2n && m.from === 1n);
    c.deliver((m) => m.to === 2n && m.from === 3n);
    c.processReady(2n);
    const answers = c.queue.filter((m) => m.from === 2n && m.type === MessageType.VoteResp);
    expect(answers.map((m) => [m.to, m.reject])).toEqual([
      [1n, false],
      [3n, true],
    ]);
  });

  it('a learner asked for its vote answers (the candidate may know it as a voter already, etcd#10998)', () => {
    const c = new TestCluster([1n, 2n], { preVote: false, checkQuorum: false }, [3n]);
    c.get(3n).node.step(message({ type: MessageType.Vote, from: 1n, to: 3n, term: 1, index: 1, logTerm: 1 }));
    c.processReady(3n);
    expect(c.queue.map((m) => [m.type, m.to, m.reject])).toEqual([[MessageType.VoteResp, 1n, false]]);
    // But no candidate of the current config asks it.
    c.queue = [];
    c.elect(1n);
    expect(c.sent.some((m) => m.type === MessageType.Vote && m.to === 3n)).toBe(false);
  });

  it('learners never campaign', () => {
    const c = new TestCluster([1n], {}, [2n]);
    c.tick(2n, 100);
    c.stabilize();
    expect(state(c, 2n)).toBe(StateType.Follower);
    expect(c.sent.filter((m) => m.from === 2n)).toEqual([]);
  });
});

describe('pre-vote', () => {
  it('a partitioned node does not inflate its term nor disrupt the leader on return', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 100; i++) {
      c.tick(3n);
      c.stabilize();
    }
    expect(term(c, 3n)).toBe(1);
    expect(state(c, 3n)).toBe(StateType.PreCandidate);
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.leader()).toBe(1n);
    expect(term(c, 1n)).toBe(1);
    expect(state(c, 3n)).toBe(StateType.Follower);
  });

  it('without pre-vote or check-quorum a returning node forces a new election', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false, checkQuorum: false });
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 50; i++) {
      c.tick(3n);
      c.stabilize();
    }
    expect(term(c, 3n)).toBeGreaterThan(2);
    c.heal();
    for (let i = 0; i < 30; i++) {
      c.tickAll();
      c.stabilize();
    }
    expect(term(c, 1n)).toBeGreaterThan(2);
  });

  it('a pre-vote is refused by a node whose log is ahead', () => {
    // Without check-quorum there is no lease, so only the log decides.
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: false });
    campaignWithStaleLog(c);
    // One grant (its own) and one refusal out of three: the pre-election cannot be won, and no term moved.
    expect(state(c, 3n)).toBe(StateType.PreCandidate);
    expect(term(c, 3n)).toBe(1);
    expect(term(c, 2n)).toBe(1);
    const resp = c.sent.filter((m) => m.type === MessageType.PreVoteResp && m.from === 2n && m.to === 3n);
    expect(resp.map((m) => m.reject)).toEqual([true]);
  });
});

describe('check-quorum', () => {
  it('an isolated leader steps down after an election timeout', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(1n);
    for (let i = 0; i < 25; i++) {
      c.tick(1n);
      c.stabilize();
    }
    expect(state(c, 1n)).toBe(StateType.Follower);
  });

  it('a leader with quorum contact stays', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 50; i++) {
      c.tick(1n);
      c.tick(2n);
      c.stabilize();
    }
    expect(c.leader()).toBe(1n);
    expect(term(c, 1n)).toBe(1);
  });

  it('followers within the lease ignore higher-term vote requests', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false });
    c.elect(1n);
    c.get(3n).node.campaign();
    c.stabilize();
    expect(term(c, 2n)).toBe(1);
    expect(c.leader()).toBe(1n);
    expect(c.sent.filter((m) => m.type === MessageType.VoteResp && m.to === 3n && m.from === 2n)).toEqual([]);
  });
});

/** Node 3 misses an entry committed by leader 1, then campaigns while 1 is cut off: only 2 can vote for it. */
function campaignWithStaleLog(c: TestCluster): void {
  c.elect(1n);
  c.isolate(3n);
  c.propose(1n, 'x');
  c.stabilize();
  c.heal();
  c.isolate(1n);
  c.get(3n).node.campaign();
  c.stabilize();
}
