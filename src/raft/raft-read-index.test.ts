import { describe, expect, it } from 'vitest';
import { TestCluster, dec, enc } from './testing/harness.ts';
import { MessageType, ReadOnlyOption } from './types.ts';

describe('ReadIndex', () => {
  it('Safe: the leader answers after a heartbeat round, with its commit index', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(1n, 'a');
    c.stabilize();
    c.sent = [];
    c.get(1n).node.readIndex(enc('r1'));
    c.processReady(1n);
    expect(c.get(1n).readStates).toEqual([]);
    const hbs = c.queue.filter((m) => m.type === MessageType.Heartbeat);
    expect(hbs.length).toBe(2);
    expect(dec(hbs[0].context)).toBe('r1');
    c.stabilize();
    const rs = c.get(1n).readStates;
    expect(rs.map((r) => [r.index, dec(r.requestCtx)])).toEqual([[c.status(1n).hardState.commit, 'r1']]);
  });

  it('Safe: no answer without a quorum of acknowledgements', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(1n);
    c.get(1n).node.readIndex(enc('r'));
    c.stabilize();
    expect(c.get(1n).readStates).toEqual([]);
  });

  it('a follower forwards the request and gets the leader’s index', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.propose(1n, 'a');
    c.stabilize();
    c.get(3n).node.readIndex(enc('from3'));
    c.stabilize();
    expect(c.get(3n).readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([
      [c.status(1n).hardState.commit, 'from3'],
    ]);
    expect(c.get(1n).readStates).toEqual([]);
  });

  it('a new leader defers reads until an entry of its term commits', () => {
    const c = new TestCluster([1n, 2n, 3n], { checkQuorum: false });
    c.elect(1n);
    c.get(2n).node.campaign();
    // Run the election but hold back the followers' append acknowledgements to the new leader.
    for (let i = 0; i < 10; i++) {
      for (const id of c.nodes.keys()) c.processReady(id);
      c.deliver((m) => m.type !== MessageType.AppResp || m.to !== 2n);
    }
    expect(c.leader()).toBe(2n);
    expect(c.status(2n).hardState.term).toBe(2);
    expect(c.status(2n).hardState.commit).toBe(2);
    c.get(2n).node.readIndex(enc('early'));
    c.processReady(2n);
    expect(c.queue.filter((m) => m.type === MessageType.Heartbeat && m.context.length > 0)).toEqual([]);
    c.stabilize();
    expect(c.get(2n).readStates.map((r) => [r.index, dec(r.requestCtx)])).toEqual([[3, 'early']]);
  });

  it('LeaseBased: the leader answers at once', () => {
    const c = new TestCluster([1n, 2n, 3n], { readOnlyOption: ReadOnlyOption.LeaseBased });
    c.elect(1n);
    c.get(1n).node.readIndex(enc('lease'));
    c.processReady(1n);
    expect(c.get(1n).readStates.map((r) => dec(r.requestCtx))).toEqual(['lease']);
  });

  it('a single node answers at once', () => {
    const c = new TestCluster([1n]);
    c.elect(1n);
    c.get(1n).node.readIndex(enc('solo'));
    c.processReady(1n);
    expect(c.get(1n).readStates.map((r) => dec(r.requestCtx))).toEqual(['solo']);
  });

  it('several pending reads are released by one later acknowledgement round', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.get(1n).node.readIndex(enc('a'));
    c.get(1n).node.readIndex(enc('b'));
    c.processReady(1n);
    // Only the heartbeats of "b" get through.
    c.deliver((m) => m.type === MessageType.Heartbeat && dec(m.context) === 'b');
    c.queue = c.queue.filter((m) => m.type !== MessageType.Heartbeat);
    c.stabilize();
    expect(c.get(1n).readStates.map((r) => dec(r.requestCtx))).toEqual(['a', 'b']);
  });
});
