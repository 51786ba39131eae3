// client-go's ControllerExpectations: after a controller creates or deletes pods it waits to see those changes in
// its cache before acting again, so a lagging cache cannot make it create (or delete) the same pods twice. The
// expectations lapse after a timeout in case a watch event was lost.
import type { Clock } from '../../client/clock.ts';

const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  add: number;
  /** UIDs whose deletion is awaited: a pod seen going (deletionTimestamp) and then gone counts once. */
  del: Set<string>;
  setAt: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS,
  ) {}

  /** True when the controller may compute and act again: nothing outstanding, or the record expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (e === undefined) return true;
    if (e.add <= 0 && e.del.size === 0) return true;
    return this.clock.now() - e.setAt > this.timeoutMs;
  }

  expectCreations(key: string, add: number): void {
    this.byKey.set(key, { add, del: new Set(), setAt: this.clock.now() });
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    this.byKey.set(key, { add: 0, del: new Set(uids), setAt: this.clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e !== undefined) e.add--;
  }

  deletionObserved(key: string, uid: string): void {
    this.byKey.get(key)?.del.delete(uid);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
