// One Ready cycle at a time, whatever calls back into the node while a cycle starts. A transport reports a peer
// unreachable from inside send() when its queue is full (GrpcTransport does), and a ReadIndex answer wakes the
// node from inside the cycle: both used to schedule a second cycle that ran beside the first, which handed the
// application the next committed entries before the first cycle applied its own, so a member silently skipped
// entries (issue #6's Jepsen divergences).
import { afterEach, describe, expect, it } from 'vitest';
import type { SaveRequest } from '../storage.ts';
import { MemoryStorage } from '../storage/index.ts';
import { MemCluster } from './testing.ts';

/** A disk whose writes complete a few event-loop turns later (as a real fsync). */
function slowDisk(storage: MemoryStorage): void {
  storage.save = async (request: SaveRequest) => {
    storage.saveSync(request);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
}

describe('RaftNode cycles', () => {
  let c: MemCluster | undefined;
  afterEach(async () => {
    await c?.stopAll();
    c = undefined;
  });

  it('never runs two cycles at once when the transport reports from inside send()', async () => {
    c = new MemCluster([1n, 2n, 3n]);
    await c.startAll();
    const fatal: unknown[] = [];
    let overlapped = 0;
    for (const m of c.members.values()) {
      let saving = 0;
      m.node.onFatal((e) => fatal.push(e));
      slowDisk(m.storage);
      const save = m.storage.save.bind(m.storage);
      m.storage.save = async (request) => {
        if (saving++ > 0) overlapped++;
        try {
          await save(request);
        } finally {
          saving--;
        }
      };
      // As GrpcTransport with a full queue to a paused peer: the report comes back synchronously.
      const transport = (m.node as unknown as { transport: { send: (ms: unknown[]) => void; reportHandler?: unknown } }).transport;
      const send = transport.send.bind(transport);
      const node = m.node as unknown as { onPeerReport: (r: { type: 'unreachable'; peer: bigint }) => void };
      transport.send = (messages: unknown[]) => {
        send(messages);
        node.onPeerReport({ type: 'unreachable', peer: m.id === 1n ? 2n : 1n });
      };
    }
    const leader = await c.electLeader();
    const follower = [...c.members.values()].find((m) => m.id !== leader.id)!;
    const texts = Array.from({ length: 300 }, (_, i) => `v${i}`);
    for (let i = 0; i < texts.length; i += 10) {
      await c.drive(Promise.all(texts.slice(i, i + 10).map((t) => (i % 20 === 0 ? leader : follower).node.propose(Buffer.from(t)))), 'proposals taken');
    }
    await c.until('every value everywhere', () => fatal.length > 0 || [...c!.members.values()].every((m) => m.app.values.length === texts.length));
    expect(fatal.map(String)).toEqual([]);
    for (const m of c.members.values()) expect(m.app.values).toEqual(leader.app.values);
    expect(overlapped).toBe(0);
  });
});
