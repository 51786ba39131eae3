// Keeps a store in step with one resource: list, then watch from the list's resourceVersion; every event and
// bookmark moves the last-seen resourceVersion forward. A watch that ends (timeout, server restart, connection
// lost) is resumed from the last-seen resourceVersion without a relist; only a 410 Expired (the version has been
// compacted or left the watch cache) forces a relist. Failures back off exponentially (client-go: 800 ms → 30 s).
import type { KubeObject } from '../../apiserver/index.ts';
import type { Logger } from '../../common/logger.ts';
import { silentLogger } from '../../common/logger.ts';
import { Backoff } from './backoff.ts';
import { Sleeper, type Clock } from './clock.ts';
import { isExpired, StatusError } from './errors.ts';
import type { ListOptions, ListResult, WatchHandle, WatchHandlers, WatchOptions } from './resource-client.ts';

/** What a reflector lists and watches: a ResourceClient scoped to a namespace and selectors (see listerWatcher). */
export interface ListerWatcher<T> {
  list(options: ListOptions): Promise<ListResult<T>>;
  watch(options: WatchOptions, handlers: WatchHandlers<T>): WatchHandle;
}

/** Where the reflector puts what it learns. */
export interface ReflectorStore<T> {
  /** A fresh list: the whole truth as of `resourceVersion`. */
  replace(items: T[], resourceVersion: string): void;
  added(obj: T): void;
  modified(obj: T): void;
  deleted(obj: T): void;
}

export interface ReflectorOptions {
  clock: Clock;
  logger?: Logger;
  /** Used in logs. */
  name?: string;
  /** Server-side watch timeout; the reflector resumes after it. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

/** How long past its server-side timeout a watch may stay open before the reflector gives up on it. */
const STUCK_WATCH_GRACE_S = 30;

type WatchOutcome = { kind: 'ended' } | { kind: 'expired' } | { kind: 'failed'; error: unknown };

export class Reflector<T extends KubeObject> {
  private stopped = false;
  private current: WatchHandle | null = null;
  private endCurrent: (() => void) | null = null;
  private readonly sleeper: Sleeper;
  private readonly logger: Logger;
  private lastResourceVersion = '';
  private running: Promise<void> | null = null;
  /** Lists since start: 1 after the first, +1 per relist. */
  listCount = 0;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly options: ReflectorOptions,
  ) {
    this.sleeper = new Sleeper(options.clock);
    this.logger = (options.logger ?? silentLogger()).child({ reflector: options.name ?? '' });
  }

  /** The resourceVersion the store is current to ("" before the first list). */
  get lastSyncResourceVersion(): string {
    return this.lastResourceVersion;
  }

  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    this.endCurrent?.();
    this.sleeper.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    const backoff = new Backoff({ initialMs: this.options.backoffInitialMs ?? 800, maxMs: this.options.backoffMaxMs ?? 30_000 });
    // The first list may come from the watch cache ("0"); a relist after 410 must be a consistent read ("").
    let needList = true;
    let listFrom = '0';
    while (!this.stopped) {
      if (needList) {
        try {
          const listed = await this.lw.list({ resourceVersion: listFrom });
          if (this.stopped) return;
          this.store.replace(listed.items, listed.resourceVersion);
          this.lastResourceVersion = listed.resourceVersion;
          this.listCount++;
          needList = false;
        } catch (err) {
          this.logger.warn({ err: String(err) }, 'list failed');
          await this.sleeper.sleep(backoff.next());
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (this.stopped) return;
      if (outcome.kind === 'ended') {
        backoff.reset();
        continue;
      }
      if (outcome.kind === 'expired') {
        this.logger.info({ resourceVersion: this.lastResourceVersion }, 'resourceVersion expired, relisting');
        needList = true;
        listFrom = '';
        continue;
      }
      this.logger.warn({ err: String(outcome.error) }, 'watch failed, resuming');
      await this.sleeper.sleep(backoff.next());
    }
  }

  private watchOnce(): Promise<WatchOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      let sawEvent = false;
      const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
      // The server ends every watch after timeoutSeconds. One still open well past that is stuck somewhere
      // between the server and us (seen in the 3,000-pod bench: a watch that delivered nothing more while its
      // connection carried other calls): cancel it and resume, so a stuck watch costs minutes, not the process.
      const stuck = this.options.clock.setTimer((timeoutSeconds + STUCK_WATCH_GRACE_S) * 1000, () => {
        this.logger.warn({ resourceVersion: this.lastResourceVersion, timeoutSeconds }, 'watch outlived its timeout; resuming');
        settle({ kind: 'ended' });
      });
      const settle = (outcome: WatchOutcome): void => {
        if (settled) return;
        settled = true;
        stuck.cancel();
        this.current?.stop();
        this.current = null;
        this.endCurrent = null;
        resolve(outcome);
      };
      this.endCurrent = () => settle({ kind: 'ended' });
      this.current = this.lw.watch(
        { resourceVersion: this.lastResourceVersion, allowWatchBookmarks: true, timeoutSeconds },
        {
          event: (event) => {
            if (settled) return;
            if (event.type === 'ERROR') {
              const error = new StatusError(event.status, 0);
              settle(isExpired(error) ? { kind: 'expired' } : { kind: 'failed', error });
              return;
            }
            sawEvent = true;
            if (event.type === 'BOOKMARK') {
              this.lastResourceVersion = event.resourceVersion;
              return;
            }
            const obj = event.object;
            if (event.type === 'ADDED') this.store.added(obj);
            else if (event.type === 'MODIFIED') this.store.modified(obj);
            else this.store.deleted(obj);
            this.lastResourceVersion = obj.metadata?.resourceVersion ?? this.lastResourceVersion;
          },
          closed: (error) => {
            if (error === null) settle({ kind: 'ended' });
            else if (isExpired(error)) settle({ kind: 'expired' });
            // A stream that delivered events before failing is resumed at once; one that never got going backs off.
            else settle(sawEvent ? { kind: 'ended' } : { kind: 'failed', error });
          },
        },
      );
    });
  }
}
