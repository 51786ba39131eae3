// client-go's work queue: items (usually "namespace/name" keys) wait in FIFO order; an item added again while
// queued is collapsed into one; an item being processed is never handed to a second worker — re-added meanwhile,
// it is queued again only when done() is called (the dirty and processing sets).
//
// Invariants: queue ⊆ dirty; an item is in `queue` at most once; nothing in `processing` is in `queue`.

export type Got<T> = { item: T; shutdown: false } | { item: undefined; shutdown: true };

export class WorkQueue<T> {
  private queue: T[] = [];
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private waiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.waiters.shift()?.();
  }

  /** The next item, waiting for one; { shutdown: true } once the queue is shut down and empty. */
  async get(): Promise<Got<T>> {
    while (this.queue.length === 0 && !this.shuttingDown) await new Promise<void>((wake) => this.waiters.push(wake));
    if (this.queue.length === 0) return { item: undefined, shutdown: true };
    const item = this.queue.shift() as T;
    this.processing.add(item);
    this.dirty.delete(item);
    return { item, shutdown: false };
  }

  /** The worker finished `item`; if it was added meanwhile it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      this.queue.push(item);
      this.waiters.shift()?.();
    }
    if (this.processing.size === 0 && this.queue.length === 0) for (const w of this.drainWaiters.splice(0)) w();
  }

  /** Items waiting (not those being processed). */
  len(): number {
    return this.queue.length;
  }

  /** Stops accepting items; workers get what is queued, then { shutdown: true }. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiters.splice(0)) w();
  }

  /** shutDown(), then waits until workers have taken and finished everything (queued items included). */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    while (this.processing.size > 0 || this.queue.length > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** For tests and metrics: items handed out and not yet done. */
  processingCount(): number {
    return this.processing.size;
  }
}
