import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { ManualClock } from '../client/index.ts';
import { SchedulingQueue } from './scheduling-queue.ts';

const pod = (name: string, priority?: number, spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: { ...spec, ...(priority === undefined ? {} : { priority }) } });

describe('SchedulingQueue', () => {
  it('pops by priority, then first queued', async () => {
    const clock = new ManualClock(0);
    const q = new SchedulingQueue(clock);
    q.add(pod('low-1', 0));
    clock.advance(1);
    q.add(pod('high', 100));
    clock.advance(1);
    q.add(pod('low-2'));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())?.key);
    expect(order).toEqual(['ns/high', 'ns/low-1', 'ns/low-2']);
  });

  it('parks unschedulable pods until an event, then honours back-off (1 s doubling to 10 s)', async () => {
    const clock = new ManualClock(0);
    const q = new SchedulingQueue(clock);
    q.add(pod('p'));
    let info = (await q.pop())!;
    q.addUnschedulable(info);
    expect(q.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
    q.moveAllToActiveOrBackoff();
    expect(q.counts()).toMatchObject({ backoff: 1 });
    clock.advance(999);
    q.flush();
    expect(q.counts()).toMatchObject({ active: 0, backoff: 1 });
    clock.advance(1);
    q.flush();
    expect(q.counts()).toMatchObject({ active: 1, backoff: 0 });
    for (let attempt = 2; attempt <= 6; attempt++) {
      info = (await q.pop())!;
      expect(q.backoffMs(info)).toBe(Math.min(10_000, 1000 * 2 ** (attempt - 1)));
      q.addBackoff(info);
      clock.advance(q.backoffMs(info));
      q.flush();
    }
  });

  it('an event during a pod\u2019s attempt sends it to back-off instead of parking it', async () => {
    const clock = new ManualClock(0);
    const q = new SchedulingQueue(clock);
    q.add(pod('p'));
    const info = (await q.pop())!;
    q.moveAllToActiveOrBackoff();
    q.addUnschedulable(info);
    expect(q.counts()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
  });

  it('a parked pod whose spec changes is retried; a status-only change is not; delete removes it', async () => {
    const clock = new ManualClock(0);
    const q = new SchedulingQueue(clock, { initialBackoffMs: 0 });
    q.add(pod('p'));
    q.addUnschedulable((await q.pop())!);
    q.update({ ...pod('p'), status: { conditions: [] } });
    expect(q.counts().unschedulable).toBe(1);
    q.update(pod('p', 0, { nodeSelector: { a: 'b' } }));
    expect(q.counts()).toMatchObject({ active: 1, unschedulable: 0 });
    q.delete(pod('p'));
    expect(q.counts()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });

  it('retries parked pods after unschedulableMaxMs without an event', async () => {
    const clock = new ManualClock(0);
    const q = new SchedulingQueue(clock, { unschedulableMaxMs: 5_000 });
    q.start();
    q.add(pod('p'));
    q.addUnschedulable((await q.pop())!);
    clock.advance(5_000);
    expect(q.counts()).toMatchObject({ active: 1, unschedulable: 0 });
    q.close();
    expect(await q.pop()).toBeNull();
  });
});
