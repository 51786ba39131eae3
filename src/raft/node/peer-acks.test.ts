import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { ackEvery } from './grpc-peer-sender.ts';
import { PeerAcks } from './peer-acks.ts';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(every: number) {
  const clock = new ManualClock();
  const sent: bigint[] = [];
  const acks = new PeerAcks(clock, (seq) => sent.push(seq), 20);
  acks.setAckEvery(every);
  return { clock, sent, acks };
}

describe('PeerAcks', () => {
  it('acknowledges the first frame of a stream after its burst', async () => {
    const { sent, acks } = setup(16);
    acks.received(1n, false);
    expect(sent).toEqual([]);
    await turn();
    expect(sent).toEqual([1n]);
  });

  it('acknowledges a few frames once, after the delay from the oldest', async () => {
    const { clock, sent, acks } = setup(16);
    acks.received(1n, false);
    await turn();
    for (let seq = 2n; seq <= 5n; seq++) {
      acks.received(seq, false);
      clock.advance(4);
    }
    await turn();
    clock.advance(3);
    expect(sent).toEqual([1n]);
    clock.advance(1);
    expect(sent).toEqual([1n, 5n]);
    clock.advance(100);
    expect(sent).toEqual([1n, 5n]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('acknowledges after the burst once ack_every frames wait, without waiting for the delay', async () => {
    const { clock, sent, acks } = setup(4);
    acks.received(1n, false);
    await turn();
    for (let seq = 2n; seq <= 5n; seq++) acks.received(seq, false);
    await turn();
    expect(sent).toEqual([1n, 5n]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('acknowledges every snapshot chunk after its burst', async () => {
    const { sent, acks } = setup(16);
    acks.received(1n, false);
    await turn();
    acks.received(2n, true);
    await turn();
    acks.received(3n, true);
    await turn();
    expect(sent).toEqual([1n, 2n, 3n]);
  });

  it('acknowledges after every burst for a sender that names no ack_every (0)', async () => {
    const { sent, acks } = setup(0);
    acks.received(1n, false);
    await turn();
    acks.received(2n, false);
    acks.received(3n, false);
    await turn();
    acks.received(4n, false);
    await turn();
    expect(sent).toEqual([1n, 3n, 4n]);
  });

  it('sends nothing once closed', async () => {
    const { clock, sent, acks } = setup(16);
    acks.received(1n, false);
    await turn();
    acks.received(2n, false);
    acks.close();
    clock.advance(100);
    await turn();
    expect(sent).toEqual([1n]);
  });

  it('asks for an acknowledgement once a quarter of the window waits', () => {
    expect(ackEvery(64)).toBe(16);
    expect(ackEvery(8)).toBe(2);
    expect(ackEvery(1)).toBe(1);
  });
});
