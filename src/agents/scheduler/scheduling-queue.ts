// kube-scheduler's scheduling queue. activeQ: pods ready to be tried, highest spec.priority first, then the oldest.
// backoffQ: pods that failed, waiting 1 s doubling per attempt up to 10 s. unschedulableQ: pods nothing fitted,
// parked until a cluster event that may make them fit (node added or changed, a pod deleted) moves them back —
// to activeQ, or to backoffQ while their back-off lasts — or until they have waited unschedulableMaxMs.
//
// A pod that failed while such an event happened (moveRequestCycle ≥ the cycle it was popped in) goes to backoffQ
// instead of unschedulableQ, so an event during its attempt is never missed.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { objectKey, type Clock, type Timer } from '../client/index.ts';

export interface QueuedPod {
  key: string;
  pod: KubeObject;
  /** When it was first queued: the FIFO order within a priority. */
  timestamp: number;
  attempts: number;
  lastAttemptMs: number;
  /** The scheduling cycle it was popped in. */
  cycle: number;
}

export interface SchedulingQueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** An unschedulable pod is retried after this long even without an event (kube-scheduler: 5 min). */
  unschedulableMaxMs?: number;
  /** How often backoffQ and overdue unschedulable pods are flushed. */
  flushIntervalMs?: number;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;
const DEFAULT_UNSCHEDULABLE_MAX_MS = 300_000;
const DEFAULT_FLUSH_INTERVAL_MS = 1_000;

function priorityOf(pod: KubeObject): number {
  const p = o(pod.spec).priority;
  return typeof p === 'number' ? p : 0;
}

export class SchedulingQueue {
  private active: QueuedPod[] = [];
  private readonly backoff = new Map<string, QueuedPod>();
  private readonly unschedulable = new Map<string, { info: QueuedPod; since: number }>();
  private waiters: (() => void)[] = [];
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private timer: Timer | null = null;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly unschedulableMaxMs: number;
  private readonly flushIntervalMs: number;

  constructor(
    private readonly clock: Clock,
    options: SchedulingQueueOptions = {},
  ) {
    this.initialBackoffMs = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.unschedulableMaxMs = options.unschedulableMaxMs ?? DEFAULT_UNSCHEDULABLE_MAX_MS;
    this.flushIntervalMs = options.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
  }

  start(): void {
    if (this.closed || this.timer !== null) return;
    const tick = (): void => {
      this.flush();
      if (!this.closed) this.timer = this.clock.setTimer(this.flushIntervalMs, tick);
    };
    this.timer = this.clock.setTimer(this.flushIntervalMs, tick);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    for (const w of this.waiters.splice(0)) w();
  }

  /** A new pending pod. */
  add(pod: KubeObject): void {
    const key = objectKey(pod);
    if (this.has(key)) return this.update(pod);
    this.pushActive({ key, pod, timestamp: this.clock.now(), attempts: 0, lastAttemptMs: 0, cycle: 0 });
  }

  /** A pending pod changed: keep the newest object; a parked pod whose spec or labels changed is retried. */
  update(pod: KubeObject): void {
    const key = objectKey(pod);
    const inActive = this.active.find((i) => i.key === key);
    if (inActive !== undefined) return void (inActive.pod = pod);
    const inBackoff = this.backoff.get(key);
    if (inBackoff !== undefined) return void (inBackoff.pod = pod);
    const parked = this.unschedulable.get(key);
    if (parked !== undefined) {
      const changed = JSON.stringify([parked.info.pod.spec, parked.info.pod.metadata?.labels]) !== JSON.stringify([pod.spec, pod.metadata?.labels]);
      parked.info.pod = pod;
      if (changed) {
        this.unschedulable.delete(key);
        this.requeue(parked.info);
      }
      return;
    }
    this.add(pod);
  }

  delete(pod: KubeObject): void {
    const key = objectKey(pod);
    this.active = this.active.filter((i) => i.key !== key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
  }

  has(key: string): boolean {
    return this.backoff.has(key) || this.unschedulable.has(key) || this.active.some((i) => i.key === key);
  }

  /** The next pod to try (waits for one); null once closed. */
  async pop(): Promise<QueuedPod | null> {
    while (this.active.length === 0 && !this.closed) await new Promise<void>((wake) => this.waiters.push(wake));
    if (this.closed) return null;
    const info = this.active.shift() as QueuedPod;
    info.attempts++;
    info.lastAttemptMs = this.clock.now();
    info.cycle = ++this.cycle;
    return info;
  }

  /** Nothing fitted: park it, unless a cluster event came during its attempt. */
  addUnschedulable(info: QueuedPod): void {
    if (this.closed || this.has(info.key)) return;
    if (this.moveRequestCycle >= info.cycle) this.backoff.set(info.key, info);
    else this.unschedulable.set(info.key, { info, since: this.clock.now() });
  }

  /** Failed for another reason (binding, the API): retry after its back-off. */
  addBackoff(info: QueuedPod): void {
    if (this.closed || this.has(info.key)) return;
    this.backoff.set(info.key, info);
  }

  /** A cluster event that may make parked pods fit (those `which` picks; default all). */
  moveAllToActiveOrBackoff(which: (pod: KubeObject) => boolean = () => true): void {
    for (const [key, { info }] of this.unschedulable) {
      if (!which(info.pod)) continue;
      this.unschedulable.delete(key);
      this.requeue(info);
    }
    this.moveRequestCycle = this.cycle;
  }

  backoffMs(info: QueuedPod): number {
    return Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.max(0, info.attempts - 1));
  }

  counts(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.length, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  /** Moves pods whose back-off has passed to activeQ and overdue parked pods back into play. */
  flush(): void {
    const now = this.clock.now();
    for (const [key, info] of this.backoff) {
      if (info.lastAttemptMs + this.backoffMs(info) <= now) {
        this.backoff.delete(key);
        this.pushActive(info);
      }
    }
    for (const [key, parked] of this.unschedulable) {
      if (parked.since + this.unschedulableMaxMs <= now) {
        this.unschedulable.delete(key);
        this.requeue(parked.info);
      }
    }
  }

  private requeue(info: QueuedPod): void {
    if (info.attempts > 0 && info.lastAttemptMs + this.backoffMs(info) > this.clock.now()) this.backoff.set(info.key, info);
    else this.pushActive(info);
  }

  private pushActive(info: QueuedPod): void {
    const before = (a: QueuedPod, b: QueuedPod): boolean => priorityOf(a.pod) > priorityOf(b.pod) || (priorityOf(a.pod) === priorityOf(b.pod) && a.timestamp < b.timestamp);
    let i = this.active.length;
    while (i > 0 && before(info, this.active[i - 1])) i--;
    this.active.splice(i, 0, info);
    this.waiters.shift()?.();
  }
}
