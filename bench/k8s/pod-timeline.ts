// What a watch saw of each pod: its creationTimestamp, and when this process first observed it, bound to a node
// (spec.nodeName set) and Running. The clock is the caller's (ms since the epoch, the same clock the apiservers
// stamp creationTimestamp with: everything runs on one machine).
export interface PodLike {
  metadata?: { uid?: string; name?: string; namespace?: string; creationTimestamp?: string };
  spec?: { nodeName?: unknown };
  status?: { phase?: unknown };
}

export interface PodTimes {
  name: string;
  /** creationTimestamp (whole seconds, as the API stores it). */
  createdMs: number;
  firstSeenMs: number;
  boundSeenMs: number | null;
  node: string | null;
  runningSeenMs: number | null;
}

export class PodTimeline {
  private readonly pods = new Map<string, PodTimes>();

  /** Records one observation of a pod; only the first observation of each state counts. */
  observe(pod: PodLike, nowMs: number): void {
    const uid = pod.metadata?.uid ?? '';
    if (uid === '') return;
    let times = this.pods.get(uid);
    if (times === undefined) {
      const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
      times = { name: pod.metadata?.name ?? '', createdMs: Number.isNaN(created) ? nowMs : created, firstSeenMs: nowMs, boundSeenMs: null, node: null, runningSeenMs: null };
      this.pods.set(uid, times);
    }
    const node = typeof pod.spec?.nodeName === 'string' ? pod.spec.nodeName : '';
    if (times.boundSeenMs === null && node !== '') {
      times.boundSeenMs = nowMs;
      times.node = node;
    }
    if (times.runningSeenMs === null && pod.status?.phase === 'Running') {
      times.runningSeenMs = nowMs;
      // A pod first seen already Running was bound before that at the latest.
      if (times.boundSeenMs === null) times.boundSeenMs = nowMs;
    }
  }

  get size(): number {
    return this.pods.size;
  }

  count(predicate: (t: PodTimes) => boolean): number {
    let n = 0;
    for (const t of this.pods.values()) if (predicate(t)) n++;
    return n;
  }

  all(): PodTimes[] {
    return [...this.pods.values()];
  }

  byName(name: string): PodTimes | undefined {
    for (const t of this.pods.values()) if (t.name === name) return t;
    return undefined;
  }
}
