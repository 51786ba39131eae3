// RaftProposer over three in-process RaftNodes (in-memory transport, real time), each with its own store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapSnapshot } from '../../raft/bootstrap.ts';
import { InMemoryHub, RaftNode } from '../../raft/node/index.ts';
import { errStopped } from '../../raft/node/node-errors.ts';
import { MemoryStorage } from '../../raft/storage/index.ts';
import { NONE, type NodeId } from '../../raft/types.ts';
import { AlarmStore } from '../apply/alarms.ts';
import { BaseApplier, buildApplierChain } from '../apply/applier.ts';
import { EntryApplier } from '../apply/entry-applier.ts';
import { Lessor, ManualClock } from '../lease/index.ts';
import { MvccStore } from '../mvcc/index.ts';
import { holdWrites } from '../mvcc/test-helpers.ts';
import { loadEtcdProtos } from '../proto/index.ts';
import { grpcStatusOf } from '../server/grpc-errors.ts';
import { RaftProposer } from './raft-proposer.ts';

const IDS: NodeId[] = [1n, 2n, 3n];
const dirs: string[] = [];
const running: Array<{ proposer: RaftProposer; store: MvccStore }> = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.proposer.close();
    await r.store.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const { codecs } = loadEtcdProtos();
const putBody = (key: string, value: string) => codecs.type('etcdserverpb.PutRequest').encode({ key: Buffer.from(key), value: Buffer.from(value) });

interface Member {
  id: NodeId;
  store: MvccStore;
  proposer: RaftProposer;
  node: RaftNode;
  storage: MemoryStorage;
}

async function startMember(hub: InMemoryHub, id: NodeId, tuning: { requestTimeoutMs?: number; electionTick?: number; snapshotCount?: number } = {}): Promise<Member> {
  const dir = mkdtempSync(join(tmpdir(), 'barque-raft-proposer-'));
  dirs.push(dir);
  const lessor = new Lessor({ clock: new ManualClock() });
  const store = await MvccStore.open(dir, { leaseExists: (l) => lessor.has(l) });
  await lessor.reload(store.database);
  const alarms = await AlarmStore.open(store.database);
  const applier = buildApplierChain(new BaseApplier(store, lessor, alarms), { available: () => true }, alarms);
  const proposer = new RaftProposer({
    applier: new EntryApplier({ store, lessor, alarms, applier, codecs }),
    memberId: id,
    maxRequestBytes: 1.5 * 1024 * 1024,
    requestTimeoutMs: tuning.requestTimeoutMs ?? 5_000,
    snapshot: () => store.snapshotData(),
    persist: () => store.sync(),
    restore: async (data) => {
      await store.restoreFrom(data);
      await lessor.reload(store.database);
      await alarms.reload(store.database);
    },
  });
  const storage = new MemoryStorage();
  storage.applySnapshot(bootstrapSnapshot(IDS));
  const transport = hub.connect(id);
  for (const peer of IDS) if (peer !== id) transport.addPeer(peer, `mem://${peer}`);
  const node = await RaftNode.start({
    id,
    storage,
    transport,
    app: proposer.app,
    appliedIndex: store.consistentIndex,
    heartbeatIntervalMs: 10,
    electionTick: tuning.electionTick ?? 10,
    snapshotCount: tuning.snapshotCount ?? 10_000,
    snapshotCatchUpEntries: 2,
  });
  proposer.attach(node);
  running.push({ proposer, store });
  return { id, store, proposer, node, storage };
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function cluster(tuning: Parameters<typeof startMember>[2] = {}) {
  const hub = new InMemoryHub();
  const members: Member[] = [];
  for (const id of IDS) members.push(await startMember(hub, id, tuning));
  const leader = () => {
    const lead = members[0].node.leader;
    return lead !== NONE && members.every((m) => m.node.leader === lead) ? members.find((m) => m.id === lead) : undefined;
  };
  await waitFor('a leader', () => leader() !== undefined);
  return { hub, members, leader: leader()! };
}

describe('RaftProposer', () => {
  it('answers proposals made on any member once applied there; every member applies them', async () => {
    const { members } = await cluster();
    for (const [i, m] of members.entries()) {
      const r = await m.proposer.propose({ kind: 'put', body: putBody(`k${i}`, `v${i}`) });
      expect(r.ok).toBe(true);
    }
    for (const m of members) {
      await m.proposer.readBarrier();
      expect(m.store.range({ key: Buffer.from('k'), rangeEnd: Buffer.from('l') }).kvs.map((kv) => kv.value.toString())).toEqual(['v0', 'v1', 'v2']);
      expect(m.proposer.term).toBeGreaterThanOrEqual(1n);
      expect(m.proposer.leaderId).not.toBe(0n);
    }
    const revisions = members.map((m) => m.store.revision);
    expect(new Set(revisions).size).toBe(1);
  });

  it('answers a write once its batch is published, before its write completes, with the watch history at its revision', async () => {
    // A 1 s election timeout: on a loaded machine a 100 ms one can depose the leader under the held write.
    const { leader } = await cluster({ electionTick: 100 });
    // Hold the leader's database writes: the entry commits and applies in memory, and is answered meanwhile.
    const hold = holdWrites(leader.store.database);
    try {
      const r = await leader.proposer.propose({ kind: 'put', body: putBody('early', 'answer') });
      expect(r.ok).toBe(true);
      if (!r.ok) throw new Error('put failed');
      const revision = Number((r.response.header as { revision: bigint }).revision);
      expect(hold.count()).toBeGreaterThan(0);
      expect(leader.store.durableRevision).toBeLessThan(revision);
      expect(leader.store.publishedRevision).toBeGreaterThanOrEqual(revision);
      // A watcher catching up reads the revision from the batch still being written.
      const history = await leader.store.eventsSince(revision, { key: Buffer.from('early') });
      expect(history.events.map((e) => [e.kv.key.toString(), e.kv.value.toString(), e.kv.modRevision])).toEqual([['early', 'answer', revision]]);
      expect(history.nextRevision).toBe(leader.store.publishedRevision + 1);
      hold.release();
      await waitFor('the write completed', () => leader.store.durableRevision >= revision);
      const again = await leader.store.eventsSince(revision, { key: Buffer.from('early') });
      expect(again.events.map((e) => e.kv.modRevision)).toEqual([revision]);
    } finally {
      hold.release();
    }
  }, 60_000);

  it('fails with "etcdserver: no leader" when no leader is known', async () => {
    const hub = new InMemoryHub();
    const alone = await startMember(hub, 1n);
    await expect(alone.proposer.propose({ kind: 'put', body: putBody('a', 'b') })).rejects.toSatisfy((err: unknown) => {
      const s = grpcStatusOf(err);
      return s.code === 14 && s.details === 'etcdserver: no leader';
    });
    await expect(alone.proposer.readBarrier()).rejects.toSatisfy((err: unknown) => grpcStatusOf(err).details === 'etcdserver: no leader');
  });

  it('times a waiter out with etcd\'s text when its entry cannot commit', async () => {
    const { hub, members, leader } = await cluster({ requestTimeoutMs: 300, electionTick: 200 });
    for (const m of members) if (m !== leader) hub.pause(m.id);
    await expect(leader.proposer.propose({ kind: 'put', body: putBody('a', 'b') })).rejects.toSatisfy((err: unknown) => {
      const s = grpcStatusOf(err);
      return s.code === 14 && s.details === 'etcdserver: request timed out';
    });
    for (const m of members) hub.resume(m.id);
  });

  it('fails a linearizable read with "etcdserver: leader changed" when the leader goes away before answering', async () => {
    const { members, leader } = await cluster();
    const follower = members.find((m) => m !== leader)!;
    await leader.node.stop();
    await expect(follower.proposer.readBarrier()).rejects.toSatisfy((err: unknown) => {
      const s = grpcStatusOf(err);
      return s.code === 14 && s.details === 'etcdserver: leader changed';
    });
    // The survivors go on: a new leader takes writes.
    await waitFor('a new leader', () => follower.node.leader !== NONE && follower.node.leader !== leader.id);
    expect((await follower.proposer.propose({ kind: 'put', body: putBody('after', 'x') })).ok).toBe(true);
  });

  it('fails proposals in flight at close() with "etcdserver: server stopped" and no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const hook = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', hook);
    try {
      // A node in the middle of a cycle (a WAL write): it takes queued proposals, or fails them as stopped, only
      // after an I/O turn of the event loop, as RaftNode.stop() does when a cycle is running.
      const queued: Array<(err: unknown) => void> = [];
      const take = () => new Promise<void>((_, reject) => queued.push(reject));
      const node = {
        leader: 1n,
        propose: take,
        proposeConfChange: take,
        onLeaderChange: () => undefined,
        onFatal: () => undefined,
        stop: async () => {
          await new Promise((r) => setTimeout(r, 20));
          for (const reject of queued.splice(0)) reject(errStopped());
        },
      };
      const proposer = new RaftProposer({
        applier: {} as EntryApplier,
        memberId: 1n,
        maxRequestBytes: 1024 * 1024,
        requestTimeoutMs: 60_000,
        snapshot: () => Promise.resolve(new Uint8Array(0)),
        persist: () => Promise.resolve(),
        restore: () => Promise.resolve(),
      });
      proposer.attach(node as unknown as RaftNode);
      const put = proposer.propose({ kind: 'put', body: putBody('in-flight', 'x') });
      const conf = proposer.proposeConfChange(() => ({ transition: 0, changes: [], context: new Uint8Array(0) }));
      await proposer.close();
      for (const p of [put, conf]) {
        await expect(p).rejects.toSatisfy((err: unknown) => {
          const s = grpcStatusOf(err);
          return s.code === 14 && s.details === 'etcdserver: server stopped';
        });
      }
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', hook);
    }
  });

  it('catches a lagging member up from a snapshot of the store', async () => {
    const { hub, members, leader } = await cluster({ snapshotCount: 5 });
    const lagging = members.find((m) => m !== leader)!;
    hub.pause(lagging.id);
    for (let i = 0; i < 30; i++) await leader.proposer.propose({ kind: 'put', body: putBody(`s${String(i).padStart(2, '0')}`, String(i)) });
    hub.resume(lagging.id);
    await waitFor('the lagging member to catch up', () => lagging.store.revision === leader.store.revision);
    await lagging.proposer.readBarrier();
    expect(lagging.store.range({ key: Buffer.from('s'), rangeEnd: Buffer.from('t') }).count).toBe(30);
    expect(lagging.node.status().snapshotIndex).toBeGreaterThan(0);
    // The leader's snapshots keep no copy of the store: it sent the database as it was when sending.
    expect(leader.storage.snapshot().metadata.index).toBeGreaterThan(1);
    expect(leader.storage.snapshot().data.length).toBe(0);
    for (let i = 30; i < 33; i++) await leader.proposer.propose({ kind: 'put', body: putBody(`s${i}`, String(i)) });
    await waitFor('the caught-up member to follow through the log', () => lagging.store.revision === leader.store.revision);
    await lagging.proposer.readBarrier();
    expect(lagging.store.range({ key: Buffer.from('s'), rangeEnd: Buffer.from('t') }).count).toBe(33);
  });
});
