// API call latency from a probe load, timed client-side (request sent → answer received through the agents' gRPC
// client, so it includes the client's own cost): a steady loop of single-object mutating calls (create, update,
// delete a ConfigMap) and read-only calls (get one object, list a namespace) while the workload runs, rounds started
// at a fixed rate. The apiservers' /metrics histograms only cover REST requests, and the workload goes through gRPC,
// so they would miss it.
import type { KubeObject } from '../../src/apiserver/index.ts';
import { RESOURCES, type ApiClient } from '../../src/agents/client/index.ts';
import { LatencyRecorder, summarize, type LatencySummary } from '../lib/index.ts';

const ROUNDS_IN_FLIGHT_MAX = 20;

export interface ProbeCall {
  verb: string;
  resource: string;
  kind: 'mutating' | 'read-only';
  errors: number;
  latency: LatencySummary;
}

export class ApiProbe {
  private readonly recorders = new Map<string, { verb: string; resource: string; kind: ProbeCall['kind']; recorder: LatencyRecorder; errors: number }>();
  private running = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: ApiClient,
    private readonly namespace: string,
    private readonly roundsPerSecond: number,
    /** Names the ConfigMaps <prefix>-<round>, so two probes in a row never meet each other's leftovers. */
    private readonly prefix = 'probe',
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<ProbeCall[]> {
    this.running = false;
    await this.loop;
    return [...this.recorders.values()].map((r) => ({ verb: r.verb, resource: r.resource, kind: r.kind, errors: r.errors, latency: summarize(r.recorder.sorted()) }));
  }

  /** Starts a round every 1/rate s without waiting for the last one (at most ROUNDS_IN_FLIGHT_MAX at once), so a
   *  slow answer does not thin out the samples. */
  private async run(): Promise<void> {
    const intervalMs = 1000 / this.roundsPerSecond;
    const inFlight = new Set<Promise<void>>();
    for (let round = 0; this.running; round++) {
      if (inFlight.size < ROUNDS_IN_FLIGHT_MAX) {
        const p: Promise<void> = this.round(round).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await Promise.all(inFlight);
  }

  private async round(round: number): Promise<void> {
    const configmaps = this.api.resource<KubeObject>(RESOURCES.configmaps);
    const pods = this.api.resource<KubeObject>(RESOURCES.pods);
    const ns = this.namespace;
    const name = `${this.prefix}-${round}`;
    const created = await this.timed('POST', 'configmaps', 'mutating', () => configmaps.create(ns, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { round: String(round) } } as KubeObject));
    const got = await this.timed('GET', 'configmaps', 'read-only', () => configmaps.get(ns, name));
    const current = got ?? created;
    if (current !== null) await this.timed('PUT', 'configmaps', 'mutating', () => configmaps.update(ns, name, { ...current, data: { round: String(round), updated: 'yes' } } as KubeObject));
    await this.timed('LIST', 'pods', 'read-only', () => pods.list(ns, { limit: 500 }));
    await this.timed('DELETE', 'configmaps', 'mutating', () => configmaps.delete(ns, name));
  }

  private async timed<T>(verb: string, resource: string, kind: ProbeCall['kind'], call: () => Promise<T>): Promise<T | null> {
    const key = `${verb} ${resource}`;
    let entry = this.recorders.get(key);
    if (entry === undefined) {
      entry = { verb, resource, kind, recorder: new LatencyRecorder(), errors: 0 };
      this.recorders.set(key, entry);
    }
    const started = performance.now();
    try {
      const result = await call();
      entry.recorder.record(performance.now() - started);
      return result;
    } catch {
      entry.errors++;
      return null;
    }
  }
}
