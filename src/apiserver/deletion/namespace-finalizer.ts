// Stands in for the namespace controller (a later issue): empties a Terminating namespace (every namespaced
// resource, grace period 0), then removes the `kubernetes` finalizer through the finalize subresource, which deletes
// the namespace. Objects held by finalizers keep it Terminating; it retries until they are gone or it is stopped.
import type { Logger } from '../../common/logger.ts';
import type { KubeObject } from '../types.ts';
import { NAMESPACE_FINALIZER, specFinalizers } from './namespace-deletion.ts';

export interface NamespacedContent {
  readonly def: { namespaced: boolean; resource: string };
  list(namespace: string, query: Record<string, never>): Promise<{ items: KubeObject[] }>;
  deleteCollection(namespace: string, query: Record<string, never>, options: { gracePeriodSeconds: number }): Promise<unknown>;
}

export interface NamespaceAccess {
  get(name: string): Promise<KubeObject | null>;
  finalize(name: string, finalizers: string[]): Promise<void>;
}

const RETRY_MS = 1_000;

export class NamespaceFinalizer {
  private readonly running = new Set<string>();
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly contents: () => readonly NamespacedContent[],
    private readonly namespaces: NamespaceAccess,
    private readonly logger: Logger,
  ) {}

  /** Starts emptying `name` unless already doing so. */
  enqueue(name: string): void {
    if (this.stopped || this.running.has(name)) return;
    this.running.add(name);
    void this.run(name);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async run(name: string): Promise<void> {
    try {
      const done = await this.attempt(name);
      if (done || this.stopped) {
        this.running.delete(name);
        return;
      }
    } catch (err) {
      this.logger.warn({ namespace: name, err: String(err) }, 'namespace cleanup failed; retrying');
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(name);
    }, RETRY_MS);
    this.timers.add(timer);
  }

  /** One pass; true when the namespace is finalized (or gone). */
  private async attempt(name: string): Promise<boolean> {
    const ns = await this.namespaces.get(name);
    if (ns === null) return true;
    let remaining = 0;
    for (const content of this.contents()) {
      if (!content.def.namespaced) continue;
      await content.deleteCollection(name, {}, { gracePeriodSeconds: 0 });
      remaining += (await content.list(name, {})).items.length;
    }
    if (remaining > 0) return false;
    const finalizers = specFinalizers(ns);
    if (finalizers.includes(NAMESPACE_FINALIZER)) await this.namespaces.finalize(name, finalizers.filter((f) => f !== NAMESPACE_FINALIZER));
    return true;
  }
}
