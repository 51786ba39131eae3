import { describe, expect, it } from 'vitest';
import { RaftError, RaftErrorCode } from './errors.ts';
import { TestCluster, enc } from './testing/harness.ts';
import { initialConfState } from './bootstrap.ts';
import { MemoryStorage } from './storage/memory-storage.ts';
import { EntryType, message, MessageType, ProgressState } from './types.ts';

function codeOf(f: () => void): RaftErrorCode | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RaftError) return e.code;
    throw e;
  }
  return undefined;
}

describe('replication', () => {
  it('a lagging follower catches up after a partition heals', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 20; i++) c.propose(1n, `v${i}`);
    c.stabilize();
    expect(c.appliedData(2n).length).toBe(20);
    expect(c.appliedData(3n).length).toBe(0);
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(3n)).toEqual(c.appliedData(1n));
  });

  it('a deposed leader has its uncommitted entries overwritten, with few rejections thanks to hints', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: false });
    c.elect(1n);
    c.propose(1n, 'committed');
    c.stabilize();
    // 1 appends many entries nobody else gets.
    c.isolate(1n);
    for (let i = 0; i < 50; i++) c.propose(1n, `lost${i}`);
    c.stabilize();
    // 2 leads a new term and commits many other entries; then 3 leads, its log far longer than 1's.
    expect(c.elect(2n)).toBe(2n);
    const kept: string[] = [];
    for (let i = 0; i < 60; i++) {
      kept.push(`kept${i}`);
      c.propose(2n, `kept${i}`);
    }
    c.stabilize();
    expect(c.elect(3n)).toBe(3n);
    c.heal();
    c.sent = [];
    c.tick(3n, 1);
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['committed', ...kept]);
    // One rejection suffices: the hint skips 1's whole divergent term-1 tail at once.
    const rejections = c.sent.filter((m) => m.type === MessageType.AppResp && m.reject && m.from === 1n);
    expect(rejections.length).toBe(1);
    const s = c.status(3n).progress!.get(1n)!;
    expect(s.state).toBe(ProgressState.Replicate);
    expect(s.match).toBe(c.status(3n).hardState.commit);
  });

  it('honours maxSizePerMsg when batching', () => {
    const c = new TestCluster([1n, 2n], { maxSizePerMsg: 300 });
    c.elect(1n);
    c.isolate(2n);
    for (let i = 0; i < 20; i++) c.get(1n).node.propose(new Uint8Array(100));
    c.stabilize();
    c.heal();
    c.sent = [];
    c.tick(1n, 1);
    c.stabilize();
    const apps = c.sent.filter((m) => m.type === MessageType.App && m.entries.length > 0);
    for (const m of apps) expect(m.entries.length).toBeLessThanOrEqual(2);
    expect(c.get(2n).applied.filter((e) => e.data.length > 0).length).toBe(20);
  });

  it('pipelines at most maxInflightMsgs appends to an unresponsive follower', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxInflightMsgs: 3 });
    c.elect(1n);
    c.cutOneWay(2n, 1n); // 1 hears nothing back from 2
    c.sent = [];
    for (let i = 0; i < 10; i++) {
      c.propose(1n, `p${i}`);
      c.stabilize();
    }
    const to2 = c.sent.filter((m) => m.type === MessageType.App && m.to === 2n && m.entries.length > 0);
    expect(to2.length).toBe(3);
    expect(c.status(1n).progress!.get(2n)!.paused).toBe(true);
    // Heartbeat answers do not free the window; acknowledgements do.
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(2n).length).toBe(10);
  });

  it('proposals on a follower are forwarded to the leader', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(3n, 'via3');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['via3']);
  });

  it('with forwarding disabled a follower drops proposals', () => {
    const c = new TestCluster([1n, 2n, 3n], { disableProposalForwarding: true });
    c.elect(1n);
    expect(codeOf(() => c.propose(3n, 'x'))).toBe(RaftErrorCode.ProposalDropped);
  });

  it('maxUncommittedEntriesSize drops proposals once the budget is used', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxUncommittedEntriesSize: 1000 });
    c.elect(1n);
    c.isolate(1n);
    const node = c.get(1n).node;
    node.propose(new Uint8Array(600));
    expect(codeOf(() => node.propose(new Uint8Array(600)))).toBe(RaftErrorCode.ProposalDropped);
    node.propose(new Uint8Array(300));
    c.heal();
    c.stabilize();
    node.propose(new Uint8Array(600));
  });

  it('a candidate refuses proposals', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false });
    c.get(1n).node.campaign();
    c.processReady(1n);
    expect(codeOf(() => c.propose(1n, 'x'))).toBe(RaftErrorCode.ProposalDropped);
  });
});

describe('commit rule (figure 8)', () => {
  // Nodes 1 and 2 hold entry 2 from term 1 (uncommitted); 1 is elected at term 2 and appends entry 3.
  function setup(unsafe: boolean): TestCluster {
    const c = new TestCluster([], { preVote: false, unsafe: { commitPreviousTermByCount: unsafe } });
    const cs = initialConfState([1n, 2n, 3n]);
    const e = (index: number, term: number, data = '') => ({ index, term, type: EntryType.Normal, data: enc(data) });
    for (const id of [1n, 2n, 3n]) {
      const s = new MemoryStorage({ confState: cs });
      s.append(id !== 3n ? [e(1, 1), e(2, 1, 'old')] : [e(1, 1)]);
      s.setHardState({ term: 1, vote: 1n, commit: 1 });
      c.addNode(id, s);
    }
    c.get(1n).node.campaign();
    c.processReady(1n);
    c.deliver((m) => m.type === MessageType.Vote);
    c.processReady(2n);
    c.processReady(3n);
    c.deliver((m) => m.type === MessageType.VoteResp);
    c.processReady(1n);
    expect(c.leader()).toBe(1n);
    expect(c.status(1n).hardState.term).toBe(2);
    expect(c.get(1n).storage.lastIndex()).toBe(3);
    c.queue = [];
    // Node 2 acknowledges entry 2 (the old term's entry, which it has), not yet entry 3.
    c.get(1n).node.step(message({ type: MessageType.AppResp, from: 2n, to: 1n, term: 2, index: 2 }));
    c.processReady(1n);
    return c;
  }

  it('an entry of an earlier term is not committed by counting replicas', () => {
    const c = setup(false);
    expect(c.status(1n).progress!.get(2n)!.match).toBe(2);
    expect(c.status(1n).hardState.commit).toBe(1);
    // Once the current term's entry is replicated everything commits.
    c.queue = [];
    c.tick(1n, 1);
    c.stabilize();
    expect(c.status(1n).hardState.commit).toBe(3);
    expect(c.appliedData(3n)).toEqual(['old']);
  });

  it('commitPreviousTermByCount (unsafe) commits it', () => {
    const c = setup(true);
    expect(c.status(1n).hardState.commit).toBe(2);
  });
});

describe('Ready', () => {
  it('the leader sends appends in messages, followers acknowledge in messagesAfterPersist', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(1n, 'x');
    const rd = c.get(1n).node.ready();
    expect(rd.entries.length).toBe(1);
    expect(rd.messages.map((m) => m.type)).toEqual([MessageType.App, MessageType.App]);
    expect(rd.messagesAfterPersist).toEqual([]);
    c.get(1n).storage.saveSync({ entries: rd.entries, hardState: rd.hardState });
    c.get(1n).node.advance();
    for (const m of rd.messages) c.get(m.to).node.step(m);
    const frd = c.get(2n).node.ready();
    expect(frd.messages).toEqual([]);
    expect(frd.messagesAfterPersist.map((m) => m.type)).toEqual([MessageType.AppResp]);
    expect(frd.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['x']);
  });

  it('committed entries are bounded by maxCommittedSizePerReady', () => {
    const c = new TestCluster([1n], { maxCommittedSizePerReady: 250 });
    c.elect(1n);
    const node = c.get(1n).node;
    for (let i = 0; i < 10; i++) node.propose(enc(`${i}`.repeat(100)));
    let batches = 0;
    while (node.hasReady()) {
      const rd = node.ready();
      if (rd.committedEntries.length > 0) {
        batches++;
        expect(rd.committedEntries.length).toBeLessThanOrEqual(2);
      }
      c.get(1n).storage.saveSync({ entries: rd.entries, hardState: rd.hardState });
      node.advance();
    }
    expect(batches).toBeGreaterThanOrEqual(4);
  });
});

describe('deferCommitBroadcast', () => {
  it('tells followers the commit index once per Ready instead of once per acknowledgement', () => {
    const counts: number[] = [];
    for (const defer of [false, true]) {
      const c = new TestCluster([1n, 2n, 3n], { deferCommitBroadcast: defer });
      c.elect(1n);
      c.sent = [];
      for (let i = 0; i < 40; i++) {
        c.propose(1n, `p${i}`);
        if (i % 10 === 0) c.stabilize();
      }
      c.stabilize();
      for (const id of [1n, 2n, 3n]) expect(c.appliedData(id).length).toBe(40);
      expect(c.status(2n).hardState.commit).toBe(c.status(1n).hardState.commit);
      counts.push(c.sent.filter((m) => m.type === MessageType.App && m.entries.length === 0).length);
    }
    expect(counts[1]).toBeLessThan(counts[0] / 4);
  });
});
