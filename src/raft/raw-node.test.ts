import { describe, expect, it } from 'vitest';
import { TestCluster, enc } from './testing/harness.ts';
import { RawNode } from './raw-node.ts';
import { MemoryStorage } from './storage/memory-storage.ts';
import { initialConfState } from './bootstrap.ts';
import { SeededRng } from './rng.ts';
import { RaftErrorCode, RaftError } from './errors.ts';
import { EntryType, message, MessageType, StateType } from './types.ts';

describe('RawNode', () => {
  it('a single node elects itself and commits a proposal through Ready cycles', () => {
    const storage = new MemoryStorage({ confState: initialConfState([1n]) });
    const node = new RawNode({ id: 1n, storage, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(1) });
    node.campaign();
    const applied: string[] = [];
    let rounds = 0;
    const drain = () => {
      while (node.hasReady()) {
        rounds++;
        const rd = node.ready();
        expect(rd.messages).toEqual([]);
        expect(rd.messagesAfterPersist).toEqual([]);
        storage.saveSync({ snapshot: rd.snapshot, entries: rd.entries, hardState: rd.hardState });
        for (const e of rd.committedEntries) if (e.data.length > 0) applied.push(new TextDecoder().decode(e.data));
        node.advance();
      }
    };
    drain();
    expect(node.basicStatus().softState.raftState).toBe(StateType.Leader);
    expect(node.basicStatus().hardState.term).toBe(1);
    node.propose(enc('x'));
    drain();
    expect(applied).toEqual(['x']);
    expect(node.basicStatus().hardState.commit).toBe(2);
    expect(node.basicStatus().applied).toBe(2);
    expect(rounds).toBeGreaterThan(2);
  });

  it('three nodes elect a leader and replicate', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    expect(c.elect(1n)).toBe(1n);
    c.propose(1n, 'a');
    c.propose(1n, 'b');
    c.stabilize();
    for (const id of [1n, 2n, 3n]) expect(c.appliedData(id)).toEqual(['a', 'b']);
  });

  it('proposals without a leader throw ProposalDropped', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    expect(() => c.propose(2n, 'a')).toThrowError(RaftError);
    try {
      c.propose(2n, 'a');
    } catch (e) {
      expect((e as RaftError).code).toBe(RaftErrorCode.ProposalDropped);
    }
  });

  it('vote responses and append acknowledgements wait for persistence', () => {
    const c = new TestCluster([1n, 2n, 3n], { preVote: false });
    c.get(1n).node.campaign();
    c.processReady(1n);
    c.deliver();
    const rd = c.get(2n).node.ready();
    expect(rd.messages.filter((m) => m.type === MessageType.VoteResp)).toEqual([]);
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual([MessageType.VoteResp]);
    expect(rd.hardState?.vote).toBe(1n);
    expect(rd.mustSync).toBe(true);
  });
});

describe('RawNode.proposeBatch', () => {
  it('appends a batch as one MsgApp per follower', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.sent = [];
    c.get(1n).node.proposeBatch([enc('a'), enc('b'), enc('c')]);
    c.stabilize();
    const apps = c.sent.filter((m) => m.type === MessageType.App && m.entries.length > 0);
    expect(apps.map((m) => [m.to, m.entries.length])).toEqual([
      [2n, 3],
      [3n, 3],
    ]);
    expect(c.appliedData(3n)).toEqual(['a', 'b', 'c']);
  });

  it('is all or nothing under maxUncommittedEntriesSize', () => {
    const c = new TestCluster([1n, 2n, 3n], { maxUncommittedEntriesSize: 10 });
    c.elect(1n);
    c.isolate(1n);
    c.get(1n).node.propose(new Uint8Array(5));
    expect(() => c.get(1n).node.proposeBatch([new Uint8Array(3), new Uint8Array(3)])).toThrowError(RaftError);
    const last = c.get(1n).node.status();
    expect(last.progress!.get(1n)!.next).toBeGreaterThan(0);
  });
});

describe('RawNode while a Ready is in flight', () => {
  it('a follower stepped between ready() and advance() persists and acknowledges in order', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    const leader = c.get(1n);
    const f = c.get(2n);
    leader.node.propose(enc('a'));
    c.processReady(1n);
    c.deliver((m) => m.to === 2n && m.type === MessageType.App);
    const rd1 = f.node.ready();
    expect(rd1.entries.length).toBe(1);
    // While rd1's write is in flight, the next append arrives.
    leader.node.propose(enc('b'));
    c.processReady(1n);
    c.deliver((m) => m.to === 2n && m.type === MessageType.App);
    expect(f.node.hasReady()).toBe(true);
    // rd1 completes.
    f.storage.saveSync({ entries: rd1.entries, hardState: rd1.hardState });
    f.node.advance();
    const rd2 = f.node.ready();
    expect(rd2.entries.map((e) => new TextDecoder().decode(e.data))).toEqual(['b']);
    expect(rd2.messagesAfterPersist.map((m) => m.index)).toEqual([rd2.entries[0].index]);
    f.storage.saveSync({ entries: rd2.entries, hardState: rd2.hardState });
    f.node.advance();
    expect(f.node.hasReady()).toBe(false);
  });

  it('entries replaced while their write is in flight are written again', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.sent = [];
    c.get(1n).node.propose(enc('lost'));
    c.processReady(1n);
    const f = c.get(2n);
    const lostApp = c.sent.find((m) => m.type === MessageType.App && m.to === 2n && m.entries.length > 0)!;
    f.node.step(lostApp);
    const inflight = f.node.ready();
    const idx = inflight.entries[0].index;
    expect(inflight.entries.map((e) => [e.term, new TextDecoder().decode(e.data)])).toEqual([[1, 'lost']]);
    // Meanwhile a leader of term 2 replaces that entry.
    f.node.step(
      message({
        type: MessageType.App,
        from: 3n,
        to: 2n,
        term: 2,
        index: idx - 1,
        logTerm: 1,
        entries: [{ index: idx, term: 2, type: EntryType.Normal, data: enc('new') }],
      }),
    );
    // The old write completes; the replacement still has to be written.
    f.storage.saveSync({ entries: inflight.entries, hardState: inflight.hardState });
    f.node.advance();
    const next = f.node.ready();
    expect(next.entries.map((e) => [e.index, e.term])).toEqual([[idx, 2]]);
    expect(next.messagesAfterPersist.map((m) => [m.to, m.index])).toEqual([[3n, idx]]);
    f.storage.saveSync({ entries: next.entries, hardState: next.hardState });
    f.node.advance();
    expect(f.storage.term(idx)).toBe(2);
    expect(f.node.hasReady()).toBe(false);
  });

  it('calling ready() twice before advance() hands nothing out twice', () => {
    const c = new TestCluster([1n]);
    c.elect(1n);
    const n = c.get(1n).node;
    n.propose(enc('x'));
    const a = n.ready();
    const b = n.ready();
    expect(a.entries.length).toBe(1);
    expect(b.entries.length).toBe(0);
    c.get(1n).storage.saveSync({ entries: a.entries, hardState: a.hardState });
    n.advance();
    c.processReady(1n);
    expect(c.appliedData(1n)).toEqual(['x']);
  });
});

describe('RawNode restart', () => {
  it('accepts an applied index above the durable commit index (commit-only changes are not fsynced)', () => {
    const storage = new MemoryStorage({ confState: initialConfState([1n]) });
    const e = (index: number) => ({ index, term: 1, type: 0, data: new Uint8Array([index]) });
    storage.append([e(1), e(2), e(3)]);
    storage.setHardState({ term: 1, vote: 1n, commit: 1 });
    const node = new RawNode({ id: 1n, storage, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(1), applied: 3 });
    expect(node.basicStatus().hardState.commit).toBe(3);
    expect(node.basicStatus().applied).toBe(3);
    expect(() => new RawNode({ id: 1n, storage, electionTick: 10, heartbeatTick: 1, rng: new SeededRng(1), applied: 9 })).toThrow();
  });
});
