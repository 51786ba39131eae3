// Requests only the leader can answer (lease keep-alive and time-to-live: lease deadlines live on the leader)
// are forwarded by a follower to the leader's advertised client URL, as etcd forwards them over its peer link.
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../proto/index.ts';

export type LeaseClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export class LeaderForwarder {
  private readonly clients = new Map<string, LeaseClient>();
  private readonly clusters = new Map<string, LeaseClient>();
  private closed = false;

  /** `leaderUrl`: the current leader's client URL when another member leads, else undefined. */
  constructor(
    private readonly leaderUrl: () => string | undefined,
    /** Plaintext, or TLS (with this member's certificate) for an https client URL. */
    private readonly credentials: (url: string) => grpc.ChannelCredentials = () => grpc.credentials.createInsecure(),
  ) {}

  /** A Lease client on the leader, or undefined when this member leads or no leader (URL) is known. */
  leaseClient(): LeaseClient | undefined {
    if (this.closed) return undefined;
    const url = this.leaderUrl();
    if (url === undefined) return undefined;
    let c = this.clients.get(url);
    if (c === undefined) {
      const target = url.replace(/^[a-z]+:\/\//, '');
      c = new (loadEtcdProtos().services.Lease.Client)(target, this.credentials(url)) as LeaseClient;
      this.clients.set(url, c);
    }
    return c;
  }

  /** A Cluster client on the leader (promote needs the leader's view of the learner), as leaseClient. */
  clusterClient(): LeaseClient | undefined {
    if (this.closed) return undefined;
    const url = this.leaderUrl();
    if (url === undefined) return undefined;
    let c = this.clusters.get(url);
    if (c === undefined) {
      const target = url.replace(/^[a-z]+:\/\//, '');
      c = new (loadEtcdProtos().services.Cluster.Client)(target, this.credentials(url)) as LeaseClient;
      this.clusters.set(url, c);
    }
    return c;
  }

  close(): void {
    for (const c of this.clusters.values()) c.close();
    this.clusters.clear();
    this.closed = true;
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
