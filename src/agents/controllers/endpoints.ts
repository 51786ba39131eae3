// The Endpoints controller: for each Service with a selector, one Endpoints object of the same name listing the
// IPs of the pods it selects — ready pods under addresses, the others under notReadyAddresses (all under addresses
// with publishNotReadyAddresses) — grouped into subsets by their resolved port sets, as Kubernetes repacks them.
// Terminating and finished pods are left out. Written only when it differs; deleted with its Service.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { isNotFound, objectKey, RESOURCES, type ResourceClient, type SharedInformer } from '../client/index.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, splitKey } from './common/queue-controller.ts';
import { belongsInEndpoints, canonicalJson, endpointPorts, isPodReady, podIP, selectsPod, serviceSelector, servicesForPod, targetRef, type EndpointPort } from './endpoints-pods.ts';

interface Subset {
  addresses: Record<string, unknown>[];
  notReadyAddresses: Record<string, unknown>[];
  ports: EndpointPort[];
}

export function desiredSubsets(svc: KubeObject, pods: readonly KubeObject[]): Record<string, unknown>[] {
  const publishNotReady = o(svc.spec).publishNotReadyAddresses === true;
  const byPorts = new Map<string, Subset>();
  for (const pod of pods) {
    if (!selectsPod(svc, pod) || !belongsInEndpoints(pod, false)) continue;
    const ports = endpointPorts(svc, pod);
    const key = canonicalJson(ports);
    let subset = byPorts.get(key);
    if (subset === undefined) byPorts.set(key, (subset = { addresses: [], notReadyAddresses: [], ports }));
    const address: Record<string, unknown> = { ip: podIP(pod), targetRef: targetRef(pod) };
    const nodeName = o(pod.spec).nodeName;
    if (typeof nodeName === 'string' && nodeName !== '') address.nodeName = nodeName;
    (publishNotReady || isPodReady(pod) ? subset.addresses : subset.notReadyAddresses).push(address);
  }
  const byIp = (a: Record<string, unknown>, b: Record<string, unknown>): number => String(a.ip).localeCompare(String(b.ip));
  return [...byPorts.values()]
    .sort((a, b) => canonicalJson(a.ports).localeCompare(canonicalJson(b.ports)))
    .map((s) => {
      const out: Record<string, unknown> = {};
      if (s.addresses.length > 0) out.addresses = s.addresses.sort(byIp);
      if (s.notReadyAddresses.length > 0) out.notReadyAddresses = s.notReadyAddresses.sort(byIp);
      if (s.ports.length > 0) out.ports = s.ports;
      return out;
    });
}

export class EndpointsController extends QueueController {
  private readonly services: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly endpoints: SharedInformer;
  private readonly client: ResourceClient<KubeObject>;

  constructor(ctx: ControllerContext) {
    super('endpoint', ctx);
    this.services = ctx.informers.informer(RESOURCES.services);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.endpoints = ctx.informers.informer(RESOURCES.endpoints);
    this.client = ctx.api.resource<KubeObject>(RESOURCES.endpoints);
    const svc = (s: KubeObject): void => this.enqueue(objectKey(s));
    this.services.addEventHandler({ onAdd: svc, onUpdate: (_, s) => svc(s), onDelete: svc });
    const pod = (p: KubeObject): void => {
      for (const key of servicesForPod(this.services, p)) this.enqueue(key);
    };
    this.pods.addEventHandler({
      onAdd: pod,
      onUpdate: (old, p) => {
        pod(old);
        pod(p);
      },
      onDelete: pod,
    });
    this.endpoints.addEventHandler({ onDelete: (e) => this.services.indexer.get(objectKey(e)) !== undefined && this.enqueue(objectKey(e)) });
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.services.indexer.get(key);
    const current = this.endpoints.indexer.get(key);
    if (svc === undefined) {
      if (current === undefined) return;
      try {
        await this.client.delete(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (serviceSelector(svc) === null) return;
    const subsets = desiredSubsets(svc, this.pods.indexer.byIndex('namespace', namespace));
    const labels = { ...(svc.metadata?.labels ?? {}) };
    if (o(svc.spec).clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (current !== undefined && canonicalJson(current.subsets ?? []) === canonicalJson(subsets) && canonicalJson(current.metadata?.labels ?? {}) === canonicalJson(labels)) return;
    const body: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets };
    if (current === undefined) {
      await this.client.create(namespace, body);
    } else {
      await this.client.update(namespace, name, { ...body, metadata: { ...current.metadata, labels } });
    }
  }
}

export const endpointsController: ControllerDescriptor = {
  name: 'endpoint',
  create: (ctx) => new EndpointsController(ctx),
};
