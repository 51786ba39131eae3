// The resource lock for leader election: one coordination.k8s.io/v1 Lease, read and written with optimistic
// concurrency (every update carries the resourceVersion last read, so two candidates cannot both win one round).
import type { KubeObject } from '../../apiserver/index.ts';
import { isAlreadyExists, isConflict, isNotFound } from './errors.ts';
import { formatMicroTime, parseMicroTime } from './micro-time.ts';
import type { ResourceClient, ResourceRef } from './resource-client.ts';

export const LEASES: ResourceRef = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' };

/** The Lease spec as leader election reads it; times in ms since the epoch. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** The lease as read: the record and the resourceVersion an update must carry. */
export interface ObservedLease {
  record: LeaderElectionRecord;
  resourceVersion: string;
}

export interface ResourceLock {
  /** Identifies the lock in logs: "namespace/name". */
  describe(): string;
  /** null: no lease object yet. */
  get(): Promise<ObservedLease | null>;
  /** false: someone else created it first. */
  create(record: LeaderElectionRecord): Promise<boolean>;
  /** false: the lease changed since `observed` was read. */
  update(observed: ObservedLease, record: LeaderElectionRecord): Promise<boolean>;
}

export class LeaseLock implements ResourceLock {
  constructor(
    private readonly leases: Pick<ResourceClient<KubeObject>, 'get' | 'create' | 'update'>,
    readonly namespace: string,
    readonly name: string,
  ) {}

  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  async get(): Promise<ObservedLease | null> {
    try {
      const lease = await this.leases.get(this.namespace, this.name);
      return { record: recordOf(lease), resourceVersion: lease.metadata?.resourceVersion ?? '' };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async create(record: LeaderElectionRecord): Promise<boolean> {
    try {
      await this.leases.create(this.namespace, leaseOf(this.namespace, this.name, record, ''));
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      throw err;
    }
  }

  async update(observed: ObservedLease, record: LeaderElectionRecord): Promise<boolean> {
    try {
      await this.leases.update(this.namespace, this.name, leaseOf(this.namespace, this.name, record, observed.resourceVersion));
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }
}

export function recordOf(lease: KubeObject): LeaderElectionRecord {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  return {
    holderIdentity: typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '',
    leaseDurationSeconds: typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds : 0,
    acquireTime: parseMicroTime(spec.acquireTime) ?? 0,
    renewTime: parseMicroTime(spec.renewTime) ?? 0,
    leaseTransitions: typeof spec.leaseTransitions === 'number' ? spec.leaseTransitions : 0,
  };
}

export function leaseOf(namespace: string, name: string, record: LeaderElectionRecord, resourceVersion: string): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace };
  if (resourceVersion !== '') metadata.resourceVersion = resourceVersion;
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata,
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      acquireTime: formatMicroTime(record.acquireTime),
      renewTime: formatMicroTime(record.renewTime),
      leaseTransitions: record.leaseTransitions,
    },
  };
}
