// The simulator's virtual clock and event queue. Events fire in (time, insertion order): two events at the same
// virtual millisecond always run in the order they were scheduled, so one seed replays exactly.
import { assert } from '../assert.ts';

interface Slot<T> {
  atMs: number;
  seq: number;
  event: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seqNext = 0;
  private nowMsValue = 0;

  get nowMs(): number {
    return this.nowMsValue;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Schedules `event` `delayMs` after now (0 = after everything already due now). */
  schedule(delayMs: number, event: T): void {
    assert(delayMs >= 0 && Number.isFinite(delayMs), `event delay must be >= 0, got ${delayMs}`);
    this.push({ atMs: this.nowMsValue + delayMs, seq: this.seqNext++, event });
  }

  peekTimeMs(): number | undefined {
    return this.heap.length > 0 ? this.heap[0].atMs : undefined;
  }

  /** Removes the earliest event and moves the clock to its time. */
  pop(): T | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    assert(top.atMs >= this.nowMsValue, 'virtual time never runs backwards');
    this.nowMsValue = top.atMs;
    return top.event;
  }

  private push(slot: Slot<T>): void {
    const heap = this.heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
