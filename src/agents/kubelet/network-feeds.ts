// The node's service networking fed from the API: Services, Endpoints and Ingresses informers, and on every change
// the whole current set handed to the kube-proxy role, the cluster DNS and the ingress proxy (each level-based).
// Also the Services of a namespace for containers' environment variables. One per agent process.
import type { KubeObject } from '../../apiserver/index.ts';
import { listerWatcher, RESOURCES, SharedInformer, type ApiClient, type Clock, type ResourceRef } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import type { Ingress, IngressProxy } from '../ingress/index.ts';
import type { Endpoints, Service, ServiceConsumer } from '../proxy/index.ts';
import type { ServiceEnvSource } from './runtime/index.ts';

export const INGRESSES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' };

export interface NetworkFeedsOptions {
  api: ApiClient;
  clock: Clock;
  logger: Logger;
  consumers: ServiceConsumer[];
  ingress?: IngressProxy;
}

export class NetworkFeeds {
  private readonly services: SharedInformer<KubeObject>;
  private readonly endpoints: SharedInformer<KubeObject>;
  private readonly ingresses: SharedInformer<KubeObject> | null;
  private scheduled = false;

  constructor(private readonly o: NetworkFeedsOptions) {
    const informer = (ref: ResourceRef, name: string): SharedInformer<KubeObject> => {
      const inf = new SharedInformer<KubeObject>(listerWatcher(o.api.resource<KubeObject>(ref)), { clock: o.clock, logger: o.logger, name });
      const changed = (): void => this.changed();
      inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
      return inf;
    };
    this.services = informer(RESOURCES.services, 'services');
    this.endpoints = informer(RESOURCES.endpoints, 'endpoints');
    this.ingresses = o.ingress === undefined ? null : informer(INGRESSES, 'ingresses');
  }

  async start(): Promise<void> {
    const all = [this.services, this.endpoints, this.ingresses].filter((i) => i !== null);
    for (const i of all) i.run();
    await Promise.all(all.map((i) => i.waitForSync()));
    this.push();
  }

  async stop(): Promise<void> {
    await Promise.all([this.services, this.endpoints, this.ingresses].filter((i) => i !== null).map((i) => i.stop()));
  }

  /** The Services of a namespace with a ClusterIP, for the container environment. */
  servicesIn(namespace: string): ServiceEnvSource[] {
    return (this.services.indexer.list() as unknown as Service[])
      .filter((s) => (s.metadata.namespace ?? '') === namespace && s.spec.clusterIP !== undefined && s.spec.clusterIP !== '' && s.spec.clusterIP !== 'None')
      .map((s) => ({ name: s.metadata.name, clusterIP: s.spec.clusterIP!, ports: (s.spec.ports ?? []).map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })) }));
  }

  /** Changes within one turn are pushed together. */
  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.push();
    });
  }

  private push(): void {
    const services = this.services.indexer.list() as unknown as Service[];
    const endpoints = this.endpoints.indexer.list() as unknown as Endpoints[];
    for (const c of this.o.consumers) c.setServices(services, endpoints);
    if (this.o.ingress !== undefined && this.ingresses !== null) this.o.ingress.setIngresses(this.ingresses.indexer.list() as unknown as Ingress[]);
  }
}
