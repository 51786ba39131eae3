// Registers the kubelet's Node and posts its status: once at start (create, or adopt the Node already there after
// a restart) and then every heartbeat period, so the node-lifecycle controller sees a live lastHeartbeatTime.
import type { KubeObject } from '../../apiserver/index.ts';
import { isAlreadyExists, isConflict, type Clock, type ResourceClient, type Timer } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import { nodeObject, nodeStatus, type Condition, type NodeIdentity } from './node-object.ts';

export interface NodeRegistrationOptions {
  nodes: ResourceClient<KubeObject>;
  identity: NodeIdentity;
  clock: Clock;
  logger: Logger;
  heartbeatMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export class NodeRegistration {
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly options: NodeRegistrationOptions) {}

  /** Creates (or adopts) the Node and posts its first status; retried by the caller on failure. */
  async register(): Promise<void> {
    const { nodes, identity } = this.options;
    try {
      await nodes.create('', nodeObject(identity) as KubeObject);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await nodes.get('', identity.name);
      const wanted = nodeObject(identity) as { metadata: { labels: Record<string, string> } };
      const labels = { ...(existing.metadata?.labels ?? {}), ...wanted.metadata.labels };
      await nodes.patch('', identity.name, 'merge', { metadata: { labels } });
    }
    await this.postStatus();
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  async postStatus(): Promise<void> {
    const { nodes, identity, clock } = this.options;
    for (let attempt = 0; ; attempt++) {
      const current = await nodes.get('', identity.name);
      const previous = ((current.status as { conditions?: Condition[] } | undefined)?.conditions ?? []) as Condition[];
      try {
        await nodes.updateStatus('', identity.name, { ...current, status: nodeStatus(identity, iso(clock.now()), previous) });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 4) throw err;
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.options.heartbeatMs, () => {
      void this.postStatus()
        .catch((err: unknown) => this.options.logger.warn({ err: String(err), node: this.options.identity.name }, 'node status update failed'))
        .finally(() => this.schedule());
    });
  }
}
