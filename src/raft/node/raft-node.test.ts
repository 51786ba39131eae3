import { afterEach, describe, expect, it } from 'vitest';
import { RaftError, RaftErrorCode } from '../errors.ts';
import { ConfChangeTransition, ConfChangeType, NONE, type NodeId } from '../types.ts';
import { RaftNodeError, RaftNodeErrorCode } from './node-errors.ts';
import { DurableListApp, ListApp, MemCluster } from './testing.ts';

const enc = (s: string) => Buffer.from(s);

describe('RaftNode on the in-memory transport', () => {
  let c: MemCluster | undefined;
  afterEach(async () => {
    await c?.stopAll();
    c = undefined;
  });

  async function proposeAll(cl: MemCluster, from: NodeId, texts: string[]): Promise<void> {
    const node = cl.member(from).node;
    await cl.drive(Promise.all(texts.map((t) => node.propose(enc(t)))), 'proposals accepted');
  }

  const allHave = (cl: MemCluster, n: number, ids = cl.ids) => () => ids.every((id) => cl.member(id).app.values.length >= n);

  it('elects a leader and commits proposals from leader and followers on every node, in batches', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    const follower = c.ids.find((id) => id !== leader.id)!;
    await proposeAll(c, leader.id, Array.from({ length: 100 }, (_, i) => `L${i}`));
    await proposeAll(c, follower, Array.from({ length: 20 }, (_, i) => `F${i}`));
    await c.until('120 values everywhere', allHave(c, 120));
    const reference = c.member(1n).app.values;
    expect(reference).toHaveLength(120);
    for (const id of c.ids) expect(c.member(id).app.values).toEqual(reference);
    expect(reference.filter((v) => v.startsWith('L'))).toEqual(Array.from({ length: 100 }, (_, i) => `L${i}`));
    // 100 proposals in one turn are one Ready cycle, not 100.
    expect(leader.app.applyCalls).toBeLessThan(20);
  });

  it('refuses proposals and reads without a leader with the typed error', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    const m = await c.start(1n);
    const err = await m.node.propose(enc('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftError);
    expect((err as RaftError).code).toBe(RaftErrorCode.ProposalDropped);
    await expect(m.node.readIndex()).rejects.toBeInstanceOf(RaftError);
  });

  it('stops and fails every waiter when a durable write fails', async () => {
    c = new MemCluster([1n]);
    const m = await c.start(1n);
    await c.electLeader();
    await proposeAll(c, 1n, ['ok']);
    await c.until('applied', () => m.app.values.length === 1);
    const fatal: unknown[] = [];
    m.node.onFatal((e) => fatal.push(e));
    m.storage.save = async () => {
      throw new Error('disk gone');
    };
    await c.drive(m.node.propose(enc('lost')), 'the proposal taken');
    await c.until('the failure', () => fatal.length === 1);
    expect((fatal[0] as Error).message).toBe('disk gone');
    const after = await m.node.propose(enc('refused')).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(RaftNodeError);
    expect((after as RaftNodeError).code).toBe(RaftNodeErrorCode.Stopped);
    await expect(m.node.readIndex()).rejects.toBeInstanceOf(RaftNodeError);
    expect(m.app.values).toEqual(['ok']);
  });

  it('answers batched read indexes with an index covering every earlier commit', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    await proposeAll(c, leader.id, Array.from({ length: 30 }, (_, i) => `v${i}`));
    await c.until('30 applied on the leader', allHave(c, 30, [leader.id]));
    const committedBefore = leader.node.status().hardState.commit;
    const follower = c.member(c.ids.find((id) => id !== leader.id)!);
    const roundsBefore = follower.node.status().readIndexRounds + leader.node.status().readIndexRounds;
    const reads = [...Array.from({ length: 50 }, () => follower.node.readIndex()), ...Array.from({ length: 50 }, () => leader.node.readIndex())];
    const indexes = await c.drive(Promise.all(reads), 'reads');
    for (const index of indexes) expect(index).toBeGreaterThanOrEqual(committedBefore);
    expect(follower.app.appliedIndex).toBeGreaterThanOrEqual(Math.max(...indexes.slice(0, 50)));
    expect(follower.app.values.length).toBe(30);
    const rounds = follower.node.status().readIndexRounds + leader.node.status().readIndexRounds - roundsBefore;
    expect(rounds).toBeLessThanOrEqual(4);
  });

  it('serves concurrent reads on every node in shared rounds, none waiting for a retry timer', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    await proposeAll(c, leader.id, ['a', 'b', 'c']);
    await c.until('applied everywhere', allHave(c, 3));
    const before = new Map(c.ids.map((id) => [id, c!.member(id).node.status()]));
    // Three waves per node, each issued while the previous wave's round is in flight; every node's sequence
    // numbers run in step, as under a read-heavy benchmark.
    const waves = 3;
    const reads: Array<Promise<number>> = [];
    for (let w = 0; w < waves; w++) {
      for (const id of c.ids) for (let k = 0; k < 40; k++) reads.push(c.member(id).node.readIndex());
      await new Promise((r) => setImmediate(r));
    }
    // The clock stands still: a read answered only after a retry timer would never settle.
    const indexes = await c.driveWithoutTime(Promise.all(reads), 'concurrent reads');
    expect(indexes).toHaveLength(waves * 40 * c.ids.length);
    for (const id of c.ids) {
      const s = c.member(id).node.status();
      const b = before.get(id)!;
      expect(s.readIndexRetries - b.readIndexRetries).toBe(0);
      // Reads arriving while a round is in flight share the next one: at most one round per wave.
      expect(s.readIndexRounds - b.readIndexRounds).toBeGreaterThanOrEqual(1);
      expect(s.readIndexRounds - b.readIndexRounds).toBeLessThanOrEqual(waves);
    }
  });

  it('asks again at once when the leader changes under a read round', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    await proposeAll(c, leader.id, ['a']);
    const follower = c.member(c.ids.find((id) => id !== leader.id)!);
    await c.stop(leader.id);
    // Forwarded to the dead leader: no answer will come.
    const read = follower.node.readIndex();
    await c.until('the follower sees a new leader', () => ![NONE, leader.id].includes(follower.node.leader));
    // The clock stands still from here: the round must be asked again on the leader change, not at its timer.
    const index = await c.driveWithoutTime(read, 'the read after the leader change');
    expect(index).toBeGreaterThanOrEqual(2);
  });

  it('lets a restarted follower catch up from the log', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    await proposeAll(c, leader.id, ['a', 'b', 'c']);
    await c.until('3 everywhere', allHave(c, 3));
    const follower = c.ids.find((id) => id !== leader.id)!;
    await c.stop(follower);
    await proposeAll(c, leader.id, Array.from({ length: 40 }, (_, i) => `w${i}`));
    const others = c.ids.filter((id) => id !== follower);
    await c.until('43 on the running nodes', allHave(c, 43, others));
    const restarted = await c.start(follower);
    await c.until('43 on the restarted node', allHave(c, 43));
    expect(restarted.app.values).toEqual(leader.app.values);
    expect(restarted.app.restores).toBe(0);
  });

  it('catches a lagging node up by snapshot once the leader compacted its log', async () => {
    c = new MemCluster([1n, 2n, 3n], { snapshotCount: 20, snapshotCatchUpEntries: 5 });
    await c.startAll();
    const leader = await c.electLeader();
    const lagging = c.ids.find((id) => id !== leader.id)!;
    await c.stop(lagging);
    for (let round = 0; round < 5; round++) {
      await proposeAll(c, leader.id, Array.from({ length: 20 }, (_, i) => `s${round}-${i}`));
    }
    const others = c.ids.filter((id) => id !== lagging);
    await c.until('100 on the running nodes', allHave(c, 100, others));
    await c.until('the leader compacted', () => leader.storage.firstIndex() > 10);
    const back = await c.start(lagging);
    await c.until('100 on the lagging node', allHave(c, 100));
    expect(back.app.restores).toBeGreaterThanOrEqual(1);
    expect(back.app.values).toEqual(leader.app.values);
    // And it keeps up afterwards through the log.
    await proposeAll(c, leader.id, ['after']);
    await c.until('101 everywhere', allHave(c, 101));
  });

  it('sends a lagging node the state as of sending when the application keeps its own state', async () => {
    c = new MemCluster([1n, 2n, 3n], { snapshotCount: 20, snapshotCatchUpEntries: 5 });
    c.newApp = () => new DurableListApp();
    await c.startAll();
    const leader = await c.electLeader();
    const lagging = c.ids.find((id) => id !== leader.id)!;
    await c.stop(lagging);
    for (let round = 0; round < 5; round++) {
      await proposeAll(c, leader.id, Array.from({ length: 20 }, (_, i) => `s${round}-${i}`));
    }
    await c.until('the leader compacted', () => leader.storage.firstIndex() > 10);
    // Past the last snapshot: the state sent is newer than the snapshot it goes with.
    await proposeAll(c, leader.id, Array.from({ length: 7 }, (_, i) => `x${i}`));
    const others = c.ids.filter((id) => id !== lagging);
    await c.until('107 on the running nodes', allHave(c, 107, others));
    const snap = leader.storage.snapshot();
    expect(snap.data.length).toBe(0);
    expect(leader.node.appliedIndex).toBeGreaterThan(snap.metadata.index);
    const durable = leader.app as DurableListApp;
    expect(durable.persistedIndex).toBe(snap.metadata.index);

    const back = await c.start(lagging);
    await c.until('107 on the lagging node', allHave(c, 107));
    expect(durable.sentStates + (c.member(others.find((id) => id !== leader.id)!).app as DurableListApp).sentStates).toBeGreaterThanOrEqual(1);
    expect(back.app.restores).toBeGreaterThanOrEqual(1);
    expect(back.app.values).toEqual(leader.app.values);
    // Entries the sent state already held were not applied again (ListApp.apply would have failed the node).
    await proposeAll(c, leader.id, ['after']);
    await c.until('108 everywhere', allHave(c, 108));
    for (const id of c.ids) expect(c.member(id).app.values).toEqual(leader.app.values);
    expect(back.node.appliedIndex).toBe(leader.node.appliedIndex);
  });

  it('refuses to start when an application keeping its own state is behind a snapshot without state', async () => {
    c = new MemCluster([1n, 2n, 3n], { snapshotCount: 20, snapshotCatchUpEntries: 5 });
    c.newApp = () => new DurableListApp();
    await c.startAll();
    const leader = await c.electLeader();
    const follower = c.ids.find((id) => id !== leader.id)!;
    await proposeAll(c, leader.id, Array.from({ length: 30 }, (_, i) => `v${i}`));
    await c.until('a snapshot on the follower', () => c!.member(follower).storage.snapshot().metadata.index > 1);
    await c.stop(follower);
    // The application "loses" what it had made durable.
    const app = c.member(follower).app;
    app.values = [];
    app.appliedIndex = 0;
    await expect(c.start(follower)).rejects.toThrow(/lost durable state/);
  });

  it('keeps replicating and applying while a slow snapshot is being made, and compacts once it is written', async () => {
    c = new MemCluster([1n, 2n, 3n], { snapshotCount: 20, snapshotCatchUpEntries: 5 });
    await c.startAll();
    const leader = await c.electLeader();
    let release: () => void = () => undefined;
    leader.app.snapshotGate = new Promise<void>((r) => (release = r));
    const firstIndex = leader.storage.firstIndex();
    const written: Array<{ index: number; values: string[] }> = [];
    const create = leader.storage.createSnapshot.bind(leader.storage);
    leader.storage.createSnapshot = (index, confState, data) => {
      written.push({ index, values: Buffer.from(data).toString().split('\n') });
      return create(index, confState, data);
    };
    try {
      await proposeAll(c, leader.id, Array.from({ length: 25 }, (_, i) => `a${i}`));
      await c.until('25 everywhere', allHave(c, 25));
      // The leader's snapshot is under way and held; the cluster goes on regardless (heartbeats, appends, applies).
      await proposeAll(c, leader.id, Array.from({ length: 40 }, (_, i) => `b${i}`));
      await c.until('65 everywhere', allHave(c, 65));
      expect(leader.storage.firstIndex()).toBe(firstIndex);
      expect(c.leader()?.id).toBe(leader.id);
    } finally {
      release();
    }
    await c.until('the leader wrote its snapshot and compacted', () => leader.storage.firstIndex() > firstIndex);
    // The snapshot holds the state as of when it was taken, not as of when its bytes came.
    const first = written[0];
    expect(first.values.length).toBeGreaterThanOrEqual(19);
    expect(first.values.length).toBeLessThan(65);
    expect(first.values).toEqual(leader.app.values.slice(0, first.values.length));
  });

  // An application keeping its own state sends the state as of sending instead of the snapshot's bytes.
  it.each([
    { app: 'ListApp', newApp: () => new ListApp() },
    { app: 'DurableListApp', newApp: () => new DurableListApp() },
  ])('adds a member by conf change; the new node catches up from a snapshot naming it ($app)', async ({ newApp }) => {
    c = new MemCluster([1n, 2n, 3n, 4n], {}, [1n, 2n, 3n]);
    c.newApp = newApp;
    await c.startAll();
    const leader = await c.electLeader();
    await proposeAll(c, leader.id, ['a', 'b']);
    await c.until('2 on the voters', allHave(c, 2, c.voters));
    const cc = { transition: ConfChangeTransition.Auto, changes: [{ type: ConfChangeType.AddNode, nodeId: 4n }], context: new Uint8Array(0) };
    await c.drive(leader.node.proposeConfChange(cc), 'conf change accepted');
    await c.until('4 is a voter', () => leader.node.status().config.voters.includes(4n));
    const added = await c.start(4n);
    await proposeAll(c, leader.id, ['c']);
    await c.until('3 everywhere', allHave(c, 3));
    expect(added.app.values).toEqual(['a', 'b', 'c']);
    expect(added.app.restores).toBe(1);
    expect(added.node.status().config.voters).toEqual(expect.arrayContaining([1n, 2n, 3n, 4n]));
  });

  it('transfers leadership, and refuses proposals while a transfer is under way', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const leader = await c.electLeader();
    const [target, down] = c.ids.filter((id) => id !== leader.id);
    await proposeAll(c, leader.id, ['x']);
    await c.until('x everywhere', allHave(c, 1));
    await c.drive(leader.node.transferLeader(target), 'transfer');
    await c.until('all follow the new leader', () => c!.leader()?.id === target);

    // A transfer to a stopped node stays pending: meanwhile the leader refuses proposals.
    const newLeader = c.member(target);
    await c.stop(down);
    const pending = newLeader.node.transferLeader(down, 50_000).catch((e: unknown) => e);
    await c.until('transfer under way', () => newLeader.node.status().leadTransferee === down);
    const refused = await c.drive(newLeader.node.propose(enc('during')).catch((e: unknown) => e));
    expect(refused).toBeInstanceOf(RaftError);
    expect((refused as RaftError).code).toBe(RaftErrorCode.TransferInProgress);
    // The core gives up after an election timeout; proposals go through again.
    await c.until('transfer abandoned', () => newLeader.node.status().leadTransferee === 0n);
    await proposeAll(c, target, ['after']);
    await c.until('after on the running nodes', allHave(c, 2, [leader.id, target]));
    await newLeader.node.stop();
    expect(await pending).toBeInstanceOf(Error);
  });
});
