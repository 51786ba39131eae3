// The API's PodStatus from what the runtime reports: phase, the four conditions (keeping lastTransitionTime while a
// condition holds), containerStatuses, podIP(s), hostIP and startTime. A pod the runtime could not start yet shows
// its containers waiting with the reason (ContainerCreating, CreateContainerConfigError).
import os from 'node:os';
import type { ApiPod } from './pod-types.ts';
import type { ContainerState, ContainerStatus, PodRuntimeStatus } from './runtime/index.ts';

export interface StatusInputs {
  pod: ApiPod;
  runtime: PodRuntimeStatus | undefined;
  hostIP: string;
  nowIso: string;
  /** Why the pod has not started (CreateContainerConfigError and its message). */
  waiting?: { reason: string; message: string };
}

export function podStatus(i: StatusInputs): Record<string, unknown> {
  const previous = i.pod.status ?? {};
  const containers: ContainerStatus[] =
    i.runtime?.containers ??
    i.pod.spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      state: { waiting: i.waiting ?? { reason: 'ContainerCreating' } },
      lastState: {},
      ready: false,
      started: false,
      restartCount: 0,
    }));
  const phase = i.runtime?.phase ?? 'Pending';
  const allReady = containers.length > 0 && containers.every((c) => c.ready);
  const notReady = containers.filter((c) => !c.ready).map((c) => c.name);
  const condition = (type: string, ok: boolean, reason?: string, message?: string): Record<string, unknown> => {
    const old = (previous.conditions ?? []).find((c) => c.type === type);
    const status = ok ? 'True' : 'False';
    const out: Record<string, unknown> = { type, status, lastProbeTime: null, lastTransitionTime: old !== undefined && old.status === status ? old.lastTransitionTime : i.nowIso };
    if (!ok && reason !== undefined) Object.assign(out, { reason, message });
    return out;
  };
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const unreadyMessage = `containers with unready status: [${notReady.join(' ')}]`;
  const status: Record<string, unknown> = {
    phase,
    conditions: [
      condition('Initialized', true),
      condition('Ready', allReady, finished ? 'PodCompleted' : 'ContainersNotReady', finished ? '' : unreadyMessage),
      condition('ContainersReady', allReady, finished ? 'PodCompleted' : 'ContainersNotReady', finished ? '' : unreadyMessage),
      condition('PodScheduled', true),
    ],
    hostIP: i.hostIP,
    startTime: previous.startTime ?? i.nowIso,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: `barque://${c.image}`,
      containerID: `barque://${i.pod.metadata.uid}/${c.name}/${c.restartCount}`,
      state: apiState(c.state),
      lastState: 'terminated' in c.lastState || 'running' in c.lastState || 'waiting' in c.lastState ? apiState(c.lastState as ContainerState) : {},
      ready: c.ready,
      started: c.started,
      restartCount: c.restartCount,
    })),
    qosClass: 'BestEffort',
  };
  if (i.runtime !== undefined && i.runtime.podIP !== '') Object.assign(status, { podIP: i.runtime.podIP, podIPs: [{ ip: i.runtime.podIP }] });
  return status;
}

/** The API's signal is the number (ContainerStateTerminated.signal is an int32); the runtime names it. */
function apiState(state: ContainerState): Record<string, unknown> {
  if (!('terminated' in state)) return state;
  const { signal, ...rest } = state.terminated;
  const number = signal === undefined ? undefined : (os.constants.signals as Record<string, number>)[signal];
  return { terminated: number === undefined ? rest : { ...rest, signal: number } };
}

/** Status without the fields that change on every call, to tell whether a write is needed. */
export function statusFingerprint(status: Record<string, unknown>): string {
  return JSON.stringify(status);
}
