// Best-effort core/v1 Events for what users read in `kubectl describe` (SuccessfulCreate, ScalingReplicaSet …),
// through the aggregating recorder of src/agents/record: a write failure is logged and dropped, so events never
// hold up a reconcile.
import type { KubeObject } from '../../../apiserver/index.ts';
import type { Logger } from '../../../common/logger.ts';
import type { ApiClient } from '../../client/api-client.ts';
import type { Clock } from '../../client/clock.ts';
import { RESOURCES } from '../../client/resources.ts';
import { EventRecorder } from '../../record/index.ts';

export interface EventSink {
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Events written through the aggregating, rate-limited recorder (src/agents/record), as `component`. */
export function apiEventSink(api: ApiClient, clock: Clock, logger: Logger, component: string): EventSink {
  return new EventRecorder({ events: api.resource<KubeObject>(RESOURCES.events), component, clock, logger });
}

/** An EventSink that remembers events, for unit tests. */
export class RecordingEventSink implements EventSink {
  readonly events: { name: string; type: string; reason: string; message: string }[] = [];
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ name: object.metadata?.name ?? '', type, reason, message });
  }
}
