// The EndpointSlice controller: for each Service with a selector, discovery.k8s.io/v1 EndpointSlices (IPv4, at most
// 100 endpoints each) labelled kubernetes.io/service-name and managed-by endpointslice-controller.k8s.io, owned by
// the Service. Pods with the same resolved ports share slices. Each endpoint carries the conditions kube-proxy reads:
// ready (serving and not terminating), serving (the pod is Ready), terminating. Existing slices are updated in
// place when their content differs, missing ones created, surplus ones deleted.
import type { KubeObject } from '../../apiserver/index.ts';
import { o } from '../../apiserver/resources/values.ts';
import { isNotFound, objectKey, RESOURCES, type ResourceClient, type SharedInformer } from '../client/index.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, splitKey } from './common/queue-controller.ts';
import { belongsInEndpoints, canonicalJson, endpointPorts, isPodReady, isTerminating, podIP, selectsPod, serviceSelector, servicesForPod, targetRef, type EndpointPort } from './endpoints-pods.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
const MAX_ENDPOINTS_PER_SLICE = 100;
const BY_SERVICE = 'serviceName';

interface DesiredSlice {
  ports: EndpointPort[];
  endpoints: Record<string, unknown>[];
}

export function desiredSlices(svc: KubeObject, pods: readonly KubeObject[], maxPerSlice = MAX_ENDPOINTS_PER_SLICE): DesiredSlice[] {
  const publishNotReady = o(svc.spec).publishNotReadyAddresses === true;
  const groups = new Map<string, DesiredSlice>();
  for (const pod of pods) {
    if (!selectsPod(svc, pod) || !belongsInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = canonicalJson(ports);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { ports, endpoints: [] }));
    const terminating = isTerminating(pod);
    const serving = publishNotReady || isPodReady(pod);
    const endpoint: Record<string, unknown> = { addresses: [podIP(pod)], conditions: { ready: serving && !terminating, serving, terminating }, targetRef: targetRef(pod) };
    const nodeName = o(pod.spec).nodeName;
    if (typeof nodeName === 'string' && nodeName !== '') endpoint.nodeName = nodeName;
    group.endpoints.push(endpoint);
  }
  const out: DesiredSlice[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key) as DesiredSlice;
    g.endpoints.sort((a, b) => String((a.addresses as string[])[0]).localeCompare(String((b.addresses as string[])[0])));
    for (let i = 0; i < g.endpoints.length; i += maxPerSlice) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + maxPerSlice) });
  }
  return out;
}

export class EndpointSliceController extends QueueController {
  private readonly services: SharedInformer;
  private readonly pods: SharedInformer;
  private readonly slices: SharedInformer;
  private readonly client: ResourceClient<KubeObject>;

  constructor(ctx: ControllerContext) {
    super('endpointslice', ctx);
    this.services = ctx.informers.informer(RESOURCES.services);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.slices = ctx.informers.informer(RESOURCES.endpointslices);
    this.slices.indexer.addIndexers({ [BY_SERVICE]: (s) => (s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY ? [`${s.metadata?.namespace}/${s.metadata?.labels?.[SERVICE_NAME_LABEL] ?? ''}`] : []) });
    this.client = ctx.api.resource<KubeObject>(RESOURCES.endpointslices);
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
    const slice = (s: KubeObject): void => {
      const svcName = s.metadata?.labels?.[SERVICE_NAME_LABEL];
      if (s.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY && svcName !== undefined) this.enqueue(`${s.metadata?.namespace}/${svcName}`);
    };
    // Adds too: a reconcile that ran on a cache not yet holding the slice it had just created makes another; once
    // both are seen here the next reconcile keeps one and deletes the rest (else they stayed until a pod changed).
    this.slices.addEventHandler({ onAdd: slice, onUpdate: (_, s) => slice(s), onDelete: slice });
  }

  protected async reconcile(key: string): Promise<void> {
    const { namespace } = splitKey(key);
    const svc = this.services.indexer.get(key);
    const existing = this.slices.indexer.byIndex(BY_SERVICE, key).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    if (svc !== undefined && serviceSelector(svc) === null) return;
    const wanted = svc === undefined ? [] : desiredSlices(svc, this.pods.indexer.byIndex('namespace', namespace));
    // A service with no endpoints keeps one empty placeholder slice, as Kubernetes does.
    if (svc !== undefined && wanted.length === 0) wanted.push({ ports: [], endpoints: [] });
    const unused = [...existing];
    const pending: DesiredSlice[] = [];
    // Keep slices that already hold exactly what is wanted; reuse the others for what is left.
    for (const w of wanted) {
      const i = unused.findIndex((s) => sameContent(s, w));
      if (i >= 0) unused.splice(i, 1);
      else pending.push(w);
    }
    for (const w of pending) {
      const reuse = unused.shift();
      const body = this.sliceFor(svc as KubeObject, w, reuse);
      if (reuse === undefined) await this.client.create(namespace, body);
      else await this.client.update(namespace, reuse.metadata?.name ?? '', body);
    }
    for (const s of unused) {
      try {
        await this.client.delete(namespace, s.metadata?.name ?? '', { preconditions: { uid: s.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private sliceFor(svc: KubeObject, w: DesiredSlice, reuse: KubeObject | undefined): KubeObject {
    const meta = svc.metadata ?? {};
    const labels = { ...(meta.labels ?? {}), [SERVICE_NAME_LABEL]: meta.name ?? '', [MANAGED_BY_LABEL]: MANAGED_BY };
    const metadata: KubeObject['metadata'] =
      reuse === undefined
        ? {
            generateName: `${meta.name}-`,
            namespace: meta.namespace,
            labels,
            ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: meta.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
          }
        : { ...reuse.metadata, labels };
    return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: 'IPv4', endpoints: w.endpoints, ports: w.ports };
  }
}

function sameContent(slice: KubeObject, w: DesiredSlice): boolean {
  return canonicalJson(slice.ports ?? []) === canonicalJson(w.ports) && canonicalJson(slice.endpoints ?? []) === canonicalJson(w.endpoints);
}

export const endpointSliceController: ControllerDescriptor = {
  name: 'endpointslice',
  create: (ctx) => new EndpointSliceController(ctx),
};
