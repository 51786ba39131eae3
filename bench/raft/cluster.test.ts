import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableStorage } from '../../src/raft/storage/durable/index.ts';
import { MemoryStorage } from '../../src/raft/storage/index.ts';
import type { LogStorage } from '../../src/raft/storage.ts';
import { emptyConfState, EntryType, type Entry } from '../../src/raft/types.ts';
import { InProcessCluster } from './cluster.ts';

const voters = { ...emptyConfState(), voters: [1n, 2n, 3n] };

/** Proposes `count` entries, at most `inflight` outstanding, and resolves once the leader applied them all. */
async function commitAll(storages: LogStorage[], count: number, inflight: number): Promise<void> {
  let proposed = 0;
  let applied = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const cluster = new InProcessCluster(storages, {
    tickMs: 10,
    electionTick: 50,
    heartbeatTick: 5,
    onLeaderApply: (entries: readonly Entry[]) => {
      for (const e of entries) {
        if (e.type !== EntryType.Normal || e.data.length === 0) continue;
        applied++;
        if (proposed < count) propose();
      }
      if (applied === count) finish();
    },
  });
  const propose = () => cluster.propose(new TextEncoder().encode(`proposal-${proposed++}`));
  await cluster.start();
  for (let k = 0; k < inflight; k++) propose();
  await finished;
  // Let followers catch up on the commit index before stopping.
  await new Promise((r) => setTimeout(r, 100));
  await cluster.stop();
}

function payloads(s: LogStorage): string[] {
  const out: string[] = [];
  for (const e of s.entries(s.firstIndex(), s.lastIndex() + 1, Number.MAX_SAFE_INTEGER)) {
    if (e.data.length > 0) out.push(new TextDecoder().decode(e.data));
  }
  return out;
}

describe('in-process bench cluster', () => {
  it('commits every proposal on MemoryStorage, identically on all nodes', async () => {
    const storages = [1, 2, 3].map(() => new MemoryStorage({ confState: voters }));
    await commitAll(storages, 600, 64);
    const logs = storages.map(payloads);
    expect(logs[0].length).toBe(600);
    expect(new Set(logs[0]).size).toBe(600);
    expect(logs[1]).toEqual(logs[0]);
    expect(logs[2]).toEqual(logs[0]);
  });

  it('commits every proposal on DurableStorage, and it is all there after reopening', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'barque-cluster-test-'));
    try {
      const dirs = [1, 2, 3].map((k) => path.join(root, `node${k}`));
      const storages = await Promise.all(dirs.map((d) => DurableStorage.open(d, { confState: voters })));
      await commitAll(storages, 400, 64);
      const groupCommitted = storages.every((s) => s.stats().entries > s.stats().batches);
      expect(groupCommitted).toBe(true);
      const reopened = await Promise.all(dirs.map((d) => DurableStorage.open(d)));
      try {
        const logs = reopened.map(payloads);
        expect(logs[0].length).toBe(400);
        expect(logs[1]).toEqual(logs[0]);
        expect(logs[2]).toEqual(logs[0]);
        const commits = reopened.map((s) => s.initialState().hardState.commit);
        for (const [k, s] of reopened.entries()) expect(commits[k]).toBeLessThanOrEqual(s.lastIndex());
        expect(Math.max(...commits)).toBe(reopened[0].lastIndex()); // the leader's, at least
      } finally {
        for (const s of reopened) await s.close();
      }
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
