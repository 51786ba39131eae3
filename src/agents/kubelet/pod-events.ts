// The container events users read in `kubectl describe pod`, derived by comparing two runtime statuses of a pod:
// a new attempt running → Pulled, Created, Started; a container entering CrashLoopBackOff → BackOff; a startup or
// liveness failure shows as an Error exit while running (Unhealthy is not distinguishable from the status alone).
import type { EventType } from '../record/index.ts';
import type { ContainerStatus, PodRuntimeStatus } from './runtime/index.ts';

export interface ContainerEvent {
  container: string;
  type: EventType;
  reason: string;
  message: string;
}

const attemptOf = (c: ContainerStatus): string => ('running' in c.state ? `${c.restartCount}/${c.state.running.startedAt}` : '');

export function containerEvents(before: PodRuntimeStatus | undefined, after: PodRuntimeStatus, images: ReadonlyMap<string, string>): ContainerEvent[] {
  const events: ContainerEvent[] = [];
  for (const c of after.containers) {
    const old = before?.containers.find((o) => o.name === c.name);
    const attempt = attemptOf(c);
    if (attempt !== '' && (old === undefined || attemptOf(old) !== attempt)) {
      const image = images.get(c.name) ?? c.image;
      events.push({ container: c.name, type: 'Normal', reason: 'Pulled', message: `Container image "${image}" already present on machine` });
      events.push({ container: c.name, type: 'Normal', reason: 'Created', message: `Created container ${c.name}` });
      events.push({ container: c.name, type: 'Normal', reason: 'Started', message: `Started container ${c.name}` });
    }
    const backOff = 'waiting' in c.state && c.state.waiting.reason === 'CrashLoopBackOff';
    const wasBackOff = old !== undefined && 'waiting' in old.state && old.state.waiting.reason === 'CrashLoopBackOff' && old.restartCount === c.restartCount;
    if (backOff && !wasBackOff) events.push({ container: c.name, type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container' });
  }
  return events;
}
