import { describe, expect, it } from 'vitest';
import { encodeApplied, TestCluster } from './testing/harness.ts';
import { message, MessageType, ProgressState } from './types.ts';

function compactLeader(c: TestCluster, id: bigint): number {
  const t = c.get(id);
  const applied = t.node.basicStatus().applied;
  t.storage.createSnapshotSync(applied, t.confState, encodeApplied(t.applied));
  t.storage.compactSync(applied);
  return applied;
}

describe('snapshots', () => {
  it('a follower behind the compaction point is caught up by snapshot, then by appends', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 10; i++) c.propose(1n, `a${i}`);
    c.stabilize();
    const snapIndex = compactLeader(c, 1n);
    c.propose(1n, 'after-snap');
    c.stabilize();
    c.heal();
    c.sent = [];
    c.tick(1n, 1);
    c.stabilize();
    const snaps = c.sent.filter((m) => m.type === MessageType.Snap);
    expect(snaps.length).toBe(1);
    expect(snaps[0].snapshot!.metadata.index).toBe(snapIndex);
    expect(c.appliedData(3n)).toEqual(c.appliedData(1n));
    expect(c.get(3n).storage.firstIndex()).toBe(snapIndex + 1);
    const pr = c.status(1n).progress!.get(3n)!;
    expect(pr.state).toBe(ProgressState.Replicate);
    expect(pr.match).toBe(c.status(1n).hardState.commit);
  });

  it('a failed snapshot is reported; the leader probes again and resends', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 5; i++) c.propose(1n, `a${i}`);
    c.stabilize();
    compactLeader(c, 1n);
    c.heal();
    c.tick(1n, 1);
    c.stabilize((m) => m.type !== MessageType.Snap);
    expect(c.status(1n).progress!.get(3n)!.state).toBe(ProgressState.Snapshot);
    c.queue = c.queue.filter((m) => m.type !== MessageType.Snap);
    c.get(1n).node.reportSnapshot(3n, false);
    expect(c.status(1n).progress!.get(3n)!.state).toBe(ProgressState.Probe);
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(3n)).toEqual(c.appliedData(1n));
  });

  it('a follower ignores a snapshot older than its commit index', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    for (let i = 0; i < 5; i++) c.propose(1n, `a${i}`);
    c.stabilize();
    const before = c.status(3n).hardState.commit;
    const t = c.get(1n);
    const old = t.storage.snapshot();
    c.get(3n).node.step(message({ type: MessageType.Snap, from: 1n, to: 3n, term: 1, snapshot: old }));
    c.processReady(3n);
    expect(c.status(3n).hardState.commit).toBe(before);
    expect(c.get(3n).storage.firstIndex()).toBe(2);
    const resp = c.queue.filter((m) => m.type === MessageType.AppResp && m.from === 3n);
    expect(resp.map((m) => m.index)).toEqual([before]);
  });

  it('reportUnreachable sends a replicating follower back to probing', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    expect(c.status(1n).progress!.get(2n)!.state).toBe(ProgressState.Replicate);
    c.get(1n).node.reportUnreachable(2n);
    expect(c.status(1n).progress!.get(2n)!.state).toBe(ProgressState.Probe);
    c.propose(1n, 'x');
    c.stabilize();
    expect(c.status(1n).progress!.get(2n)!.state).toBe(ProgressState.Replicate);
  });

  it('a restarted node resumes from its storage (hard state, log, snapshot)', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    for (let i = 0; i < 5; i++) c.propose(1n, `a${i}`);
    c.stabilize();
    compactLeader(c, 2n);
    const t = c.get(2n);
    const hs = t.node.basicStatus().hardState;
    const applied = t.node.basicStatus().applied;
    const restarted = c.addNode(2n, t.storage, { applied });
    restarted.applied = t.applied;
    expect(restarted.node.basicStatus().hardState).toEqual(hs);
    expect(restarted.node.basicStatus().applied).toBe(applied);
    c.propose(1n, 'after-restart');
    c.stabilize();
    expect(c.appliedData(2n)).toEqual(c.appliedData(1n));
  });
});
