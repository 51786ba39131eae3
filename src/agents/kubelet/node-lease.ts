// The node's heartbeat Lease in kube-node-lease, renewed every period: the cheap liveness signal the node-lifecycle
// controller reads before the (larger) Node status.
import type { KubeObject } from '../../apiserver/index.ts';
import { formatMicroTime, isNotFound, type Clock, type ResourceClient, type Timer } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  leases: ResourceClient<KubeObject>;
  nodeName: string;
  nodeUid?: string;
  clock: Clock;
  logger: Logger;
  renewMs: number;
  /** Kubernetes' default: 40 s. */
  durationSeconds?: number;
}

export class NodeLease {
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly options: NodeLeaseOptions) {}

  start(): void {
    void this.renewAndSchedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  async renew(): Promise<void> {
    const { leases, nodeName, clock } = this.options;
    const spec = { holderIdentity: nodeName, leaseDurationSeconds: this.options.durationSeconds ?? 40, renewTime: formatMicroTime(clock.now()) };
    try {
      const lease = await leases.get(NODE_LEASE_NAMESPACE, nodeName);
      await leases.update(NODE_LEASE_NAMESPACE, nodeName, { ...lease, spec: { ...(lease.spec as object), ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const ownerReferences = this.options.nodeUid === undefined ? undefined : [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: this.options.nodeUid }];
      await leases.create(NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE, ...(ownerReferences !== undefined ? { ownerReferences } : {}) },
        spec,
      });
    }
  }

  private async renewAndSchedule(): Promise<void> {
    if (this.stopped) return;
    await this.renew().catch((err: unknown) => this.options.logger.warn({ err: String(err), node: this.options.nodeName }, 'node lease renewal failed'));
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.options.renewMs, () => void this.renewAndSchedule());
  }
}
