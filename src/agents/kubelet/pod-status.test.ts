import { describe, expect, it } from 'vitest';
import { containerEvents } from './pod-events.ts';
import { podStatus } from './pod-status.ts';
import type { ApiPod } from './pod-types.ts';
import type { PodRuntimeStatus } from './runtime/index.ts';

const pod: ApiPod = { metadata: { name: 'web', namespace: 'ns', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'node:20' }] } };
const running: PodRuntimeStatus = {
  uid: 'u1',
  podIP: '127.64.1.2',
  phase: 'Running',
  containers: [
    {
      name: 'c',
      image: 'node:20',
      state: { running: { startedAt: '2026-01-01T00:00:05Z' } },
      lastState: { terminated: { exitCode: 137, signal: 'SIGKILL', reason: 'Error', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:04Z' } },
      ready: true,
      started: true,
      restartCount: 1,
    },
  ],
};

describe('pod status from the runtime', () => {
  it('reports phase, IPs, ready conditions and the terminated signal as its number', () => {
    const s = podStatus({ pod, runtime: running, hostIP: '127.64.1.1', nowIso: '2026-01-01T00:00:06Z' });
    expect(s).toMatchObject({ phase: 'Running', podIP: '127.64.1.2', podIPs: [{ ip: '127.64.1.2' }], hostIP: '127.64.1.1', startTime: '2026-01-01T00:00:06Z' });
    const conditions = s.conditions as { type: string; status: string }[];
    expect(conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    const cs = (s.containerStatuses as Record<string, unknown>[])[0];
    expect(cs).toMatchObject({ restartCount: 1, ready: true, started: true, lastState: { terminated: { exitCode: 137, signal: 9 } } });
  });

  it('keeps lastTransitionTime while a condition holds and shows a pod not yet started as waiting', () => {
    const first = podStatus({ pod, runtime: running, hostIP: 'h', nowIso: 'T1' });
    const again = podStatus({ pod: { ...pod, status: first as ApiPod['status'] }, runtime: running, hostIP: 'h', nowIso: 'T2' });
    expect((again.conditions as { lastTransitionTime: string }[])[1].lastTransitionTime).toBe('T1');
    const waiting = podStatus({ pod, runtime: undefined, hostIP: 'h', nowIso: 'T1', waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } });
    expect(waiting.phase).toBe('Pending');
    expect((waiting.containerStatuses as { state: unknown }[])[0].state).toEqual({ waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } });
    expect((waiting.conditions as { type: string; reason?: string }[])[1]).toMatchObject({ type: 'Ready', reason: 'ContainersNotReady' });
  });

  it('derives Pulled/Created/Started once per attempt and BackOff on entering CrashLoopBackOff', () => {
    const images = new Map([['c', 'node:20']]);
    expect(containerEvents(undefined, running, images).map((e) => e.reason)).toEqual(['Pulled', 'Created', 'Started']);
    expect(containerEvents(running, running, images)).toEqual([]);
    const backOff: PodRuntimeStatus = { ...running, containers: [{ ...running.containers[0], state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }, ready: false }] };
    expect(containerEvents(running, backOff, images)).toEqual([{ container: 'c', type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' }]);
    expect(containerEvents(backOff, backOff, images)).toEqual([]);
  });
});
