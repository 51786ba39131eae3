// The ApiClients of an agent's nodes. A kubelet must speak as its own node (system:node:<name>) for the Node
// authorizer to confine it, so hollow nodes given credentials each get a client of their own; clients that share
// the CA and differ only in a bearer token share one connection per apiserver (channel-credentials.ts). Without
// per-node credentials every node shares one client, as a plaintext cluster or a system:masters kubeconfig needs.
import { ApiClient, endpointsFrom } from '../client/index.ts';
import type { ClientCredentials } from '../client/kubeconfig-credentials.ts';
import type { Logger } from '../../common/logger.ts';

const USER_AGENT = 'barque-kubelet/v0.1';

/** The names of an agent's nodes: one named nodeName, or K hollow nodes NAME-0 … NAME-(K-1). */
export function agentNodeNames(nodeName: string, hollowNodes: number): string[] {
  return hollowNodes > 0 ? Array.from({ length: hollowNodes }, (_, i) => `${nodeName}-${i}`) : [nodeName];
}

export interface NodeClientsOptions {
  apiservers: string[];
  names: readonly string[];
  logger: Logger;
  /** What every node presents when nodeCredentials is absent. */
  credentials?: ClientCredentials;
  /** Per node name, its own credentials; every name must have an entry. */
  nodeCredentials?: ReadonlyMap<string, ClientCredentials>;
}

export class NodeClients {
  /** Per name in order. */
  readonly perNode: ApiClient[];

  constructor(o: NodeClientsOptions) {
    const client = (credentials: ClientCredentials | undefined, first = 0): ApiClient =>
      new ApiClient({ endpoints: endpointsFrom(o.apiservers, first), userAgent: USER_AGENT, logger: o.logger, ...credentials });
    const perNode = o.nodeCredentials;
    if (perNode === undefined) {
      const shared = client(o.credentials);
      this.perNode = o.names.map(() => shared);
      return;
    }
    // Each node starts at a different apiserver (node i at the i-th), as kubelets behind a load balancer spread.
    this.perNode = o.names.map((name, i) => {
      const credentials = perNode.get(name);
      if (credentials === undefined) throw new Error(`no credentials for node ${name}`);
      return client(credentials, i);
    });
  }

  /** For what the whole agent watches (Services, Endpoints, Ingresses): any node may read them, so the first. */
  get agent(): ApiClient {
    return this.perNode[0];
  }

  close(): void {
    for (const c of new Set(this.perNode)) c.close();
  }
}
