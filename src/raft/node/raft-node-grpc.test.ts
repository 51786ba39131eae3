// Three nodes in one process on loopback gRPC, each with a DurableStorage (real WAL, real fsync) and real time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapSnapshot } from '../bootstrap.ts';
import { DurableStorage } from '../storage/durable/index.ts';
import { NONE, type NodeId } from '../types.ts';
import { GrpcTransport } from './grpc-transport.ts';
import { RaftNode } from './raft-node.ts';
import { ListApp } from './testing.ts';
import { waitFor } from './transport-compliance.ts';

const IDS: NodeId[] = [1n, 2n, 3n];

interface Running {
  node: RaftNode;
  app: ListApp;
  storage: DurableStorage;
  transport: GrpcTransport;
}

describe('RaftNode over GrpcTransport and DurableStorage (loopback, real fsync)', () => {
  let dir = '';
  const nodes = new Map<NodeId, Running>();
  const addresses = new Map<NodeId, string>();

  afterEach(async () => {
    for (const r of nodes.values()) await r.node.stop();
    nodes.clear();
    addresses.clear();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  async function startOne(id: NodeId, fresh: boolean, app = new ListApp()): Promise<Running> {
    const transport = await GrpcTransport.start({ id, clusterId: 0xba5eba11n, listen: addresses.get(id) ?? '127.0.0.1:0' });
    addresses.set(id, transport.address);
    const storage = await DurableStorage.open(path.join(dir, `n${id}`));
    if (fresh) await storage.save({ snapshot: bootstrapSnapshot(IDS), entries: [] });
    const node = await RaftNode.start({
      id,
      storage,
      transport,
      app,
      appliedIndex: app.appliedIndex,
      heartbeatIntervalMs: 50,
      electionTick: 10,
      snapshotCount: 100,
      snapshotCatchUpEntries: 20,
    });
    const r = { node, app, storage, transport };
    nodes.set(id, r);
    return r;
  }

  /** Peers' addresses are known once every node listens. */
  function connectAll(): void {
    for (const [id, r] of nodes) for (const peer of IDS) if (peer !== id) r.transport.addPeer(peer, `http://${addresses.get(peer)}`);
  }

  async function startAll(fresh: boolean): Promise<void> {
    for (const id of IDS) await startOne(id, fresh);
    connectAll();
  }

  const leaderOf = (): Running | undefined => {
    const lead = nodes.get(1n)!.node.leader;
    if (lead === NONE || ![...nodes.values()].every((r) => r.node.leader === lead)) return undefined;
    return nodes.get(lead);
  };

  it('commits a few hundred proposals, catches a lagging node up by snapshot, and replays from disk', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'barque-raft-node-'));
    await startAll(true);
    await waitFor('a leader', () => leaderOf() !== undefined, 60_000);
    const leader = leaderOf()!;
    const [followerId, laggingId] = IDS.filter((id) => nodes.get(id) !== leader);
    const expected: string[] = [];
    let laggingLast = 0;
    for (let batch = 0; batch < 6; batch++) {
      if (batch === 2) {
        await nodes.get(laggingId)!.node.stop();
        laggingLast = nodes.get(laggingId)!.storage.lastIndex(); // kept in memory after close
      }
      const texts = Array.from({ length: 50 }, (_, i) => `b${batch}-${i}`);
      expected.push(...texts);
      const via = batch % 3 === 1 ? nodes.get(followerId)! : leader;
      await Promise.all(texts.map((t) => via.node.propose(Buffer.from(t))));
      await waitFor(`batch ${batch} applied on the proposer`, () => via.app.values.length === expected.length, 60_000);
    }
    // Whoever leads when it returns (leadership may move on a loaded machine) must have compacted past what the
    // lagging node has; snapshots are written in the background, so wait for both members' compactions.
    const running = IDS.filter((id) => id !== laggingId).map((id) => nodes.get(id)!);
    await waitFor('both running members compacted past the lagging log', () => running.every((r) => r.storage.firstIndex() > laggingLast + 1), 60_000);

    const lagging = await startOne(laggingId, false, nodes.get(laggingId)!.app);
    for (const peer of IDS) if (peer !== laggingId) lagging.transport.addPeer(peer, `http://${addresses.get(peer)}`);
    await waitFor('300 values on every node', () => [...nodes.values()].every((r) => r.app.values.length === 300), 60_000);
    for (const r of nodes.values()) expect(r.app.values).toEqual(expected);
    expect(lagging.app.restores).toBe(1);
    const stats = leader.storage.stats();
    expect(stats.batches).toBeLessThan(stats.entries); // group commit: many entries per fsync

    // Full restart with empty applications: each restores its own latest snapshot, then replays the WAL.
    for (const r of nodes.values()) await r.node.stop();
    nodes.clear();
    await startAll(false);
    await waitFor('the state rebuilt everywhere', () => [...nodes.values()].every((r) => r.app.values.length === 300), 60_000);
    for (const r of nodes.values()) {
      expect(r.app.values).toEqual(expected);
      expect(r.app.restores).toBe(1);
    }
  });
});
