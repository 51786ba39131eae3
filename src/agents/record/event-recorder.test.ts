import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../apiserver/index.ts';
import { ManualClock, StatusError } from '../client/index.ts';
import { EventRecorder } from './event-recorder.ts';

function fakeEvents() {
  const stored = new Map<string, KubeObject & Record<string, unknown>>();
  const calls: string[] = [];
  return {
    stored,
    calls,
    async create(namespace: string, obj: KubeObject) {
      calls.push(`create ${obj.metadata?.name}`);
      stored.set(`${namespace}/${obj.metadata?.name}`, structuredClone(obj));
      return obj;
    },
    async patch(namespace: string, name: string, _type: string, patch: unknown) {
      calls.push(`patch ${name}`);
      const cur = stored.get(`${namespace}/${name}`);
      if (cur === undefined) throw new StatusError({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'gone' } as never, 5);
      Object.assign(cur, patch);
      return cur;
    },
  };
}

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'ns1', uid: 'u1', resourceVersion: '7' } };

describe('EventRecorder', () => {
  it('creates an Event with the involved object, source and timestamps', async () => {
    const events = fakeEvents();
    const clock = new ManualClock(Date.parse('2026-01-02T03:04:05Z'));
    const r = new EventRecorder({ events, component: 'default-scheduler', clock });
    r.event(pod, 'Normal', 'Scheduled', 'Successfully assigned ns1/web to n1');
    await r.flush();
    const [ev] = [...events.stored.values()];
    expect(ev).toMatchObject({
      metadata: { namespace: 'ns1' },
      involvedObject: { kind: 'Pod', namespace: 'ns1', name: 'web', uid: 'u1', apiVersion: 'v1', resourceVersion: '7' },
      reason: 'Scheduled',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      count: 1,
      firstTimestamp: '2026-01-02T03:04:05Z',
      lastTimestamp: '2026-01-02T03:04:05Z',
    });
    expect(ev.metadata?.name).toMatch(/^web\.[0-9a-f]+$/);
  });

  it('aggregates a repeat into count and lastTimestamp; a different message is a new Event', async () => {
    const events = fakeEvents();
    const clock = new ManualClock(Date.parse('2026-01-02T03:04:05Z'));
    const r = new EventRecorder({ events, component: 'c', clock });
    r.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.');
    clock.advance(3000);
    r.event(pod, 'Warning', 'FailedScheduling', '0/1 nodes are available: 1 Insufficient cpu.');
    r.event(pod, 'Warning', 'FailedScheduling', '0/2 nodes are available: 2 Insufficient cpu.');
    await r.flush();
    expect(events.stored.size).toBe(2);
    const first = [...events.stored.values()].find((e) => String(e.message).startsWith('0/1'));
    expect(first).toMatchObject({ count: 2, firstTimestamp: '2026-01-02T03:04:05Z', lastTimestamp: '2026-01-02T03:04:08Z' });
  });

  it('starts a new Event when the aggregated one expired', async () => {
    const events = fakeEvents();
    const r = new EventRecorder({ events, component: 'c', clock: new ManualClock(1_000) });
    r.event(pod, 'Normal', 'X', 'm');
    await r.flush();
    events.stored.clear();
    r.event(pod, 'Normal', 'X', 'm');
    await r.flush();
    expect(events.calls.map((c) => c.split(' ')[0])).toEqual(['create', 'patch', 'create']);
    expect([...events.stored.values()][0]).toMatchObject({ count: 1 });
  });

  it('rate-limits per object: a burst of 25, then one per 5 minutes', async () => {
    const events = fakeEvents();
    const clock = new ManualClock(0);
    const r = new EventRecorder({ events, component: 'c', clock });
    for (let i = 0; i < 30; i++) r.event(pod, 'Normal', 'R', `m${i}`);
    await r.flush();
    expect(events.calls).toHaveLength(25);
    clock.advance(300_000);
    r.event(pod, 'Normal', 'R', 'later');
    r.event(pod, 'Normal', 'R', 'later2');
    await r.flush();
    expect(events.calls).toHaveLength(26);
    r.event({ ...pod, metadata: { ...pod.metadata, name: 'other', uid: 'u2' } }, 'Normal', 'R', 'x');
    await r.flush();
    expect(events.calls).toHaveLength(27);
  });

  it('is best-effort: a failing write is dropped, later events still go out; cluster-scoped objects go to default', async () => {
    const events = fakeEvents();
    let fail = true;
    const flaky = { ...events, create: async (ns: string, o: KubeObject) => (fail ? Promise.reject(new Error('down')) : events.create(ns, o)) };
    const r = new EventRecorder({ events: flaky, component: 'c', clock: new ManualClock(0) });
    r.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } }, 'Normal', 'A', 'a');
    await r.flush();
    fail = false;
    r.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } }, 'Normal', 'B', 'b');
    await r.flush();
    expect([...events.stored.keys()][0]).toMatch(/^default\/n1\./);
    expect([...events.stored.values()][0]).toMatchObject({ reason: 'B', involvedObject: { kind: 'Node', name: 'n1' } });
  });
});
