// Records core/v1 Events about objects, as client-go's EventRecorder + broadcaster: best-effort (a failed write is
// logged and dropped, never surfaces to the caller), asynchronous (writes go out in order on one chain, bounded),
// rate-limited per (source, object) and aggregated: a repeat of the same type/reason/message about the same object
// patches count and lastTimestamp on the Event already written.
import type { KubeObject } from '../../apiserver/index.ts';
import { isNotFound, type Clock, type ResourceClient } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { EventCache } from './event-cache.ts';
import { SpamFilter, type SpamFilterOptions } from './spam-filter.ts';

export type EventType = 'Normal' | 'Warning';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface EventRecorderOptions {
  events: Pick<ResourceClient<KubeObject>, 'create' | 'patch'>;
  /** source.component: "default-scheduler", "endpoint-controller" … */
  component: string;
  host?: string;
  clock: Clock;
  logger?: Logger;
  spam?: SpamFilterOptions;
  /** Writes waiting beyond this are dropped. */
  pendingMax?: number;
}

const DEFAULT_PENDING_MAX = 1000;

export class EventRecorder {
  private readonly cache = new EventCache();
  private readonly spam: SpamFilter;
  private readonly logger: Logger;
  private chain: Promise<void> = Promise.resolve();
  private pending = 0;
  private seq = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.spam = new SpamFilter(options.clock, options.spam);
    this.logger = options.logger ?? silentLogger();
  }

  /** Records an event about `obj` (an object as read, or a reference); `kind` fills in when the object carries none. */
  event(obj: KubeObject | ObjectReference, type: EventType, reason: string, message: string, kind?: string): void {
    const ref = referenceOf(obj, kind);
    const sourceKey = [this.options.component, this.options.host ?? '', ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion].join('\n');
    if (!this.spam.allow(sourceKey)) {
      this.logger.debug({ reason, object: `${ref.namespace}/${ref.name}` }, 'event dropped by the spam filter');
      return;
    }
    if (this.pending >= (this.options.pendingMax ?? DEFAULT_PENDING_MAX)) {
      this.logger.warn({ reason }, 'event dropped: too many pending writes');
      return;
    }
    const key = [sourceKey, type, reason, message].join('\n');
    const at = this.options.clock.now();
    this.pending++;
    this.chain = this.chain.then(async () => {
      try {
        await this.write(key, ref, type, reason, message, at);
      } catch (err) {
        this.logger.warn({ reason, err: String(err) }, 'could not write event; dropped');
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves when every event recorded so far has been written or dropped. */
  flush(): Promise<void> {
    return this.chain;
  }

  private async write(key: string, ref: Required<Omit<ObjectReference, 'fieldPath'>> & ObjectReference, type: EventType, reason: string, message: string, at: number): Promise<void> {
    const now = timestamp(at);
    const seen = this.cache.get(key);
    if (seen !== undefined) {
      try {
        await this.options.events.patch(seen.namespace, seen.name, 'merge', { count: seen.count + 1, lastTimestamp: now, message });
        this.cache.set(key, { ...seen, count: seen.count + 1 });
        return;
      } catch (err) {
        // Events expire (a TTL lease); start a new one.
        if (!isNotFound(err)) throw err;
        this.cache.delete(key);
      }
    }
    const namespace = ref.namespace === '' ? 'default' : ref.namespace;
    const name = `${ref.name}.${(BigInt(at) * 1_000_000n + BigInt(this.seq++ % 1_000_000)).toString(16)}`;
    const involvedObject: Record<string, string> = { kind: ref.kind, namespace: ref.namespace, name: ref.name, uid: ref.uid, apiVersion: ref.apiVersion, resourceVersion: ref.resourceVersion };
    if (ref.fieldPath !== undefined) involvedObject.fieldPath = ref.fieldPath;
    for (const k of Object.keys(involvedObject)) if (involvedObject[k] === '') delete involvedObject[k];
    const source: Record<string, string> = { component: this.options.component };
    if (this.options.host !== undefined) source.host = this.options.host;
    await this.options.events.create(namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      type,
      source,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      reportingComponent: this.options.component,
      reportingInstance: this.options.host ?? '',
    });
    this.cache.set(key, { namespace, name, count: 1, firstTimestamp: now });
  }
}

function referenceOf(obj: KubeObject | ObjectReference, kind: string | undefined): Required<Omit<ObjectReference, 'fieldPath'>> & ObjectReference {
  const asObject = obj as KubeObject;
  if (asObject.metadata !== undefined) {
    const m = asObject.metadata;
    return {
      apiVersion: asObject.apiVersion ?? (kind === undefined ? '' : 'v1'),
      kind: asObject.kind ?? kind ?? '',
      namespace: m.namespace ?? '',
      name: m.name ?? '',
      uid: m.uid ?? '',
      resourceVersion: m.resourceVersion ?? '',
    };
  }
  const r = obj as ObjectReference;
  return { apiVersion: r.apiVersion ?? '', kind: r.kind ?? kind ?? '', namespace: r.namespace ?? '', name: r.name ?? '', uid: r.uid ?? '', resourceVersion: r.resourceVersion ?? '', fieldPath: r.fieldPath };
}

/** RFC 3339 with whole seconds, as metav1.Time. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
