import { describe, expect, it } from 'vitest';
import { TestCluster, enc } from './testing/harness.ts';
import { RawNode } from './raw-node.ts';
import { MemoryStorage } from './storage/memory-storage.ts';
import { initialConfState } from './bootstrap.ts';
import { SeededRng } from './rng.ts';
import { RaftErrorCode, RaftError } from './errors.ts';
import { MessageType, StateType } from './types.ts';

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
