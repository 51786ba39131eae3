// The suite every Transport must pass. An implementation's test file calls describeTransportCompliance with a
// harness that starts transports by node id. Conditions are awaited with generous bounds; nothing asserts timing.
import { afterEach, describe, expect, it } from 'vitest';
import { EntryType, message, MessageType, type Message, type NodeId } from '../types.ts';
import type { PeerReport, Transport } from './transport.ts';

export interface TransportHarness {
  /** Starts (or restarts, at the same address) the transport of `id`. */
  start(id: NodeId): Promise<Transport>;
  /** The address peers pass to addPeer for `id` (known once `id` was started or made silent). */
  address(id: NodeId): string;
  /** Makes `id` an endpoint that accepts connections but never reads; returns how to take it down. */
  startSilent(id: NodeId): Promise<() => Promise<void>>;
  /** Frames per peer queue the harness configured (the suite overflows it). */
  readonly queueFramesMax: number;
  cleanup(): Promise<void>;
}

/** Records what a transport receives and reports. */
export class Probe {
  frames: Message[][] = [];
  reports: PeerReport[] = [];

  constructor(readonly transport: Transport) {
    transport.onReceive((messages) => this.frames.push(messages));
    transport.onReport((r) => this.reports.push(r));
  }

  get messages(): Message[] {
    return this.frames.flat();
  }
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function app(from: NodeId, to: NodeId, index: number, data = ''): Message {
  const entries = data === '' ? [] : [{ term: 1, index, type: EntryType.Normal, data: Buffer.from(data) }];
  return message({ type: MessageType.App, from, to, term: 1, index, entries });
}

export function describeTransportCompliance(name: string, makeHarness: () => TransportHarness): void {
  describe(`Transport compliance: ${name}`, () => {
    let h: TransportHarness;
    const started: Transport[] = [];
    const start = async (id: NodeId) => {
      const t = await h.start(id);
      started.push(t);
      return t;
    };
    /** Starts the nodes and makes each a peer of every other. */
    const cluster = async (ids: NodeId[]) => {
      const ts: Transport[] = [];
      for (const id of ids) ts.push(await start(id));
      for (const t of ts) for (const id of ids) if (id !== t.id) t.addPeer(id, h.address(id));
      return ts.map((t) => new Probe(t));
    };

    afterEach(async () => {
      for (const t of started.splice(0)) await t.close();
      await h.cleanup();
    });

    it('delivers every frame in order per peer, one frame per send call and peer', async () => {
      h = makeHarness();
      const [a, b, c] = await cluster([1n, 2n, 3n]);
      const sends = 200;
      for (let i = 1; i <= sends; i++) {
        a.transport.send([app(1n, 2n, i, `x${i}`), app(1n, 3n, i), app(1n, 2n, i, `y${i}`), message({ type: MessageType.Heartbeat, from: 1n, to: 2n, term: 1, commit: i })]);
        // Stay within the queue bound: this test is about order, not overflow.
        if (i % 16 === 0) await waitFor(`frame ${i}`, () => b.frames.length === i && c.frames.length === i);
      }
      await waitFor('all frames at 2 and 3', () => b.frames.length === sends && c.frames.length === sends);
      for (let i = 0; i < sends; i++) {
        expect(b.frames[i].map((m) => m.type)).toEqual([MessageType.App, MessageType.App, MessageType.Heartbeat]);
        expect(Buffer.from(b.frames[i][0].entries[0].data).toString()).toBe(`x${i + 1}`);
        expect(Buffer.from(b.frames[i][1].entries[0].data).toString()).toBe(`y${i + 1}`);
        expect(b.frames[i][2].commit).toBe(i + 1);
        expect(c.frames[i]).toHaveLength(1);
        expect(c.frames[i][0].index).toBe(i + 1);
      }
      expect(b.messages.every((m) => m.from === 1n && m.to === 2n)).toBe(true);
    });

    it('drops messages to a removed peer, and delivers again once it is added back', async () => {
      h = makeHarness();
      const [a, b] = await cluster([1n, 2n]);
      a.transport.send([app(1n, 2n, 1)]);
      await waitFor('the first frame', () => b.frames.length === 1);
      a.transport.removePeer(2n);
      for (let i = 2; i <= 10; i++) a.transport.send([app(1n, 2n, i)]);
      a.transport.addPeer(2n, h.address(2n));
      a.transport.send([app(1n, 2n, 99)]);
      await waitFor('the frame after re-adding', () => b.frames.length === 2);
      expect(b.messages.map((m) => m.index)).toEqual([1, 99]);
    });

    it('bounds the queue of a peer that never reads: drops, reports it unreachable, and keeps serving others', async () => {
      h = makeHarness();
      const stopSilent = await h.startSilent(9n);
      try {
        const [a, b] = await cluster([1n, 2n]);
        a.transport.addPeer(9n, h.address(9n));
        const big = 'z'.repeat(16 * 1024);
        for (let i = 1; i <= h.queueFramesMax * 4 + 200; i++) {
          a.transport.send([app(1n, 9n, i, big)]);
          if (i % 50 === 0) await new Promise((r) => setImmediate(r));
        }
        await waitFor('9 reported unreachable', () => a.reports.some((r) => r.type === 'unreachable' && r.peer === 9n));
        a.transport.send([app(1n, 2n, 7)]);
        await waitFor('delivery to the healthy peer', () => b.frames.length === 1);
      } finally {
        await stopSilent();
      }
    });

    it('reconnects to a restarted peer', async () => {
      h = makeHarness();
      const [a, b] = await cluster([1n, 2n]);
      a.transport.send([app(1n, 2n, 1)]);
      await waitFor('the first frame', () => b.frames.length === 1);
      await b.transport.close();
      const b2 = new Probe(await start(2n));
      b2.transport.addPeer(1n, h.address(1n));
      let i = 2;
      await waitFor(
        'a frame at the restarted peer',
        () => {
          a.transport.send([app(1n, 2n, i++)]);
          return b2.frames.length > 0;
        },
        30_000,
      );
      // And the other way round: the restarted node dials us.
      b2.transport.send([app(2n, 1n, 5)]);
      await waitFor('a frame from the restarted peer', () => a.messages.some((m) => m.from === 2n && m.index === 5));
    });

    it('sends a large snapshot in order with the frames around it and reports its delivery', async () => {
      h = makeHarness();
      const [a, b] = await cluster([1n, 2n]);
      const data = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let k = 0; k < data.length; k++) data[k] = (k * 131 + (k >> 11)) & 0xff;
      const snap = message({
        type: MessageType.Snap,
        from: 1n,
        to: 2n,
        term: 3,
        snapshot: {
          metadata: { index: 500, term: 3, confState: { voters: [1n, 2n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false } },
          data,
        },
      });
      a.transport.send([app(1n, 2n, 1)]);
      a.transport.send([snap, app(1n, 2n, 501)]);
      await waitFor('three messages', () => b.messages.length === 3, 30_000);
      const [first, got, after] = b.messages;
      expect(first.index).toBe(1);
      expect(got.type).toBe(MessageType.Snap);
      expect(got.snapshot!.metadata).toEqual(snap.snapshot!.metadata);
      expect(Buffer.from(got.snapshot!.data).equals(data)).toBe(true);
      expect(after.index).toBe(501);
      await waitFor('the snapshot report', () => a.reports.some((r) => r.type === 'snapshot' && r.peer === 2n));
      expect(a.reports.filter((r) => r.type === 'snapshot')).toEqual([{ type: 'snapshot', peer: 2n, ok: true }]);
    });
  });
}
