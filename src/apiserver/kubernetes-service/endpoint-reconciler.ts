// The `kubernetes` Service in `default` and its Endpoints and EndpointSlices, kept pointing at the live apiservers the
// way kube-apiserver's lease endpoint reconciler does: each apiserver keeps a key under /registry/masterleases/
// bound to an etcd lease (TTL 15 s, renewed every 10 s by default), and writes the Endpoints from the keys that are
// left — so an apiserver that stops renewing drops out once its lease expires, and one that shuts down removes itself.
//
// Keys are `<ip>:<port>` (kube-apiserver's are the IP alone: all its apiservers share one secure port, ours may
// not), so Endpoints group addresses by port into subsets, and EndpointSlices are one per port: `kubernetes`, then
// `kubernetes-<port>` for any other port.
import type { Logger } from '../../common/logger.ts';
import type { ResourceRegistry } from '../rest/registry.ts';
import { ApiError } from '../rest/status.ts';
import type { EtcdClient } from '../storage/index.ts';
import type { KubeObject } from '../types.ts';

export const MASTER_LEASES_PREFIX = '/registry/masterleases/';
export const DEFAULT_RECONCILER_INTERVAL_MS = 10_000;
export const DEFAULT_RECONCILER_TTL_SECONDS = 15;
const SERVICE = 'kubernetes';
const NAMESPACE = 'default';
const PORT_NAME = 'https';
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface ApiserverEndpoint {
  ip: string;
  port: number;
}

export interface EndpointReconcilerOptions {
  client: EtcdClient;
  registry: (group: string, resource: string) => ResourceRegistry | undefined;
  self: ApiserverEndpoint;
  /** The Service's cluster IP: the first address of the service range. */
  clusterIP: string;
  intervalMs?: number;
  ttlSeconds?: number;
  logger: Logger;
}

export class EndpointReconciler {
  private timer: NodeJS.Timeout | null = null;
  private lease: string | null = null;
  private running: Promise<void> = Promise.resolve();
  private readonly key: Buffer;

  constructor(private readonly options: EndpointReconcilerOptions) {
    this.key = Buffer.from(`${MASTER_LEASES_PREFIX}${options.self.ip}:${options.self.port}`);
  }

  async start(): Promise<void> {
    try {
      await this.ensureService();
    } catch (err) {
      this.options.logger.warn({ err: String(err) }, 'could not create the kubernetes service');
    }
    await this.round();
    this.timer = setInterval(() => void this.round(), this.options.intervalMs ?? DEFAULT_RECONCILER_INTERVAL_MS);
    this.timer.unref();
  }

  /** Removes this apiserver from the endpoints (graceful shutdown), as kube-apiserver does before it exits. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    try {
      await this.options.client.txn([], [{ op: 'delete', key: this.key }], []);
      if (this.lease !== null) await this.options.client.revokeLease(this.lease);
      await this.writeEndpoints(await this.liveApiservers());
    } catch (err) {
      this.options.logger.warn({ err: String(err) }, 'could not remove this apiserver from the kubernetes endpoints');
    }
  }

  private round(): Promise<void> {
    this.running = this.running.then(async () => {
      try {
        await this.renew();
        await this.writeEndpoints(await this.liveApiservers());
      } catch (err) {
        this.options.logger.warn({ err: String(err) }, 'kubernetes endpoints reconcile failed');
      }
    });
    return this.running;
  }

  /** Binds our key to a fresh lease, then lets the previous one go. */
  private async renew(): Promise<void> {
    const { client, self } = this.options;
    const lease = await client.grantLease(this.options.ttlSeconds ?? DEFAULT_RECONCILER_TTL_SECONDS);
    await client.txn([], [{ op: 'put', key: this.key, value: Buffer.from(JSON.stringify(self)), lease }], []);
    const previous = this.lease;
    this.lease = lease;
    if (previous !== null) await client.revokeLease(previous).catch(() => undefined);
  }

  private async liveApiservers(): Promise<ApiserverEndpoint[]> {
    const prefix = Buffer.from(MASTER_LEASES_PREFIX);
    const end = Buffer.from(prefix);
    end[end.length - 1]++;
    const { kvs } = await this.options.client.range(prefix, { rangeEnd: end });
    return kvs.map((kv) => JSON.parse(kv.value.toString()) as ApiserverEndpoint);
  }

  private async ensureService(): Promise<void> {
    const services = this.options.registry('', 'services');
    if (services === undefined) return;
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: SERVICE, namespace: NAMESPACE, labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: this.options.clusterIP, sessionAffinity: 'None', ports: [{ name: PORT_NAME, port: 443, protocol: 'TCP', targetPort: this.options.self.port }] },
    };
    // Read first: a create would claim the cluster IP before finding the Service there (422, not 409).
    try {
      await services.get(NAMESPACE, SERVICE);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
      try {
        await createIfAbsent(services, service);
      } catch (createErr) {
        // Apiservers starting together race here: the loser's create fails on the cluster IP the winner's Service
        // holds (422). The Service being there is all that was wanted.
        await services.get(NAMESPACE, SERVICE).catch(() => {
          throw createErr;
        });
      }
    }
  }

  private async writeEndpoints(live: readonly ApiserverEndpoint[]): Promise<void> {
    const byPort = new Map<number, string[]>();
    for (const e of live) byPort.set(e.port, [...(byPort.get(e.port) ?? []), e.ip]);
    const ports = [...byPort.keys()].sort((a, b) => a - b);
    const ipsOf = (port: number): string[] => [...new Set(byPort.get(port))].sort();
    const endpoints = this.options.registry('', 'endpoints');
    if (endpoints !== undefined) {
      const subsets = ports.map((port) => ({ addresses: ipsOf(port).map((ip) => ({ ip })), ports: [{ name: PORT_NAME, port, protocol: 'TCP' }] }));
      await upsert(endpoints, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: SERVICE, namespace: NAMESPACE, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets }, 'subsets');
    }
    const slices = this.options.registry('discovery.k8s.io', 'endpointslices');
    if (slices === undefined) return;
    const wanted = new Map<string, KubeObject>();
    (ports.length === 0 ? [this.options.self.port] : ports).forEach((port, i) => {
      const name = i === 0 ? SERVICE : `${SERVICE}-${port}`;
      wanted.set(name, {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name, namespace: NAMESPACE, labels: { [SERVICE_NAME_LABEL]: SERVICE } },
        addressType: 'IPv4',
        endpoints: ipsOf(port).map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
        ports: [{ name: PORT_NAME, port, protocol: 'TCP' }],
      });
    });
    for (const slice of wanted.values()) await upsert(slices, slice, 'endpoints', 'ports');
    const existing = (await slices.list(NAMESPACE, { labelSelector: `${SERVICE_NAME_LABEL}=${SERVICE}` })).items;
    for (const old of existing) {
      const name = old.metadata?.name ?? '';
      if (!wanted.has(name) && name.startsWith(`${SERVICE}-`)) await slices.delete(NAMESPACE, name, {}).catch(ignoreNotFound);
    }
  }
}

async function createIfAbsent(registry: ResourceRegistry, obj: KubeObject): Promise<void> {
  try {
    await registry.create(NAMESPACE, obj);
  } catch (err) {
    if (!(err instanceof ApiError && err.reason === 'AlreadyExists')) throw err;
  }
}

/** Creates the object or rewrites the named fields when they differ; a lost race is settled by the next round. */
async function upsert(registry: ResourceRegistry, obj: KubeObject, ...fields: string[]): Promise<void> {
  const name = obj.metadata?.name ?? '';
  let current: KubeObject;
  try {
    current = await registry.get(NAMESPACE, name);
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return createIfAbsent(registry, obj);
    throw err;
  }
  if (fields.every((f) => JSON.stringify(current[f] ?? null) === JSON.stringify(obj[f] ?? null))) return;
  const next = { ...current, ...Object.fromEntries(fields.map((f) => [f, obj[f]])) };
  await registry.update(NAMESPACE, name, next).catch((err: unknown) => {
    if (!(err instanceof ApiError && err.code === 409)) throw err;
  });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ApiError && err.code === 404)) throw err;
}
