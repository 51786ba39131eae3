// The namespace controller: empties a Terminating namespace — every namespaced resource, deleted as a user's DELETE
// would (pods get their grace period) — and once nothing is left removes the `kubernetes` finalizer through the
// finalize subresource, which lets the apiserver delete the namespace. Until then it looks again every
// --namespace-sync-retry period. Lists are consistent reads, not the caches, so nothing created just before is missed.
import type { KubeObject } from '../../apiserver/index.ts';
import { arr, o } from '../../apiserver/resources/values.ts';
import { isConflict, isNotFound, objectKey, RESOURCES, type ResourceRef, type SharedInformer } from '../client/index.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, type ReconcileResult } from './common/queue-controller.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';

/** Every namespaced resource the apiserver serves (events last: deleting the others may still write some). */
export const NAMESPACED_RESOURCES: readonly ResourceRef[] = [
  RESOURCES.deployments,
  RESOURCES.daemonsets,
  RESOURCES.statefulsets,
  RESOURCES.cronjobs,
  RESOURCES.jobs,
  RESOURCES.replicasets,
  RESOURCES.replicationcontrollers,
  RESOURCES.pods,
  RESOURCES.services,
  RESOURCES.endpoints,
  RESOURCES.endpointslices,
  RESOURCES.configmaps,
  RESOURCES.secrets,
  RESOURCES.serviceaccounts,
  RESOURCES.leases,
  { group: 'networking.k8s.io', version: 'v1', resource: 'ingresses' },
  RESOURCES.resourcequotas,
  RESOURCES.horizontalpodautoscalers,
  RESOURCES.events,
];

const specFinalizers = (ns: KubeObject): string[] => (arr(o(ns.spec).finalizers) as unknown as string[]).filter((f) => typeof f === 'string');

export class NamespaceController extends QueueController {
  private readonly namespaces: SharedInformer;
  private readonly retryMs: number;

  constructor(ctx: ControllerContext) {
    super('namespace', ctx);
    this.retryMs = parseDuration(ctx.options.extra['namespace-sync-retry'] ?? '2s');
    this.namespaces = ctx.informers.informer(RESOURCES.namespaces);
    const ns = (n: KubeObject): void => {
      if (n.metadata?.deletionTimestamp !== undefined) this.enqueue(objectKey(n));
    };
    this.namespaces.addEventHandler({ onAdd: ns, onUpdate: (_, n) => ns(n) });
  }

  protected async reconcile(name: string): Promise<ReconcileResult | void> {
    const ns = this.namespaces.indexer.get(name);
    if (ns === undefined || ns.metadata?.deletionTimestamp === undefined || !specFinalizers(ns).includes(NAMESPACE_FINALIZER)) return;
    let remaining = 0;
    for (const ref of NAMESPACED_RESOURCES) remaining += await this.empty(name, ref);
    if (remaining > 0) {
      this.log.debug({ namespace: name, remaining }, 'namespace not empty yet');
      return { requeueAfterMs: this.retryMs };
    }
    try {
      await this.ctx.api.resource<KubeObject>(RESOURCES.namespaces).updateSubresource('', name, 'finalize', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
        spec: { finalizers: specFinalizers(ns).filter((f) => f !== NAMESPACE_FINALIZER) },
      });
      this.log.info({ namespace: name }, 'namespace emptied and finalized');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** Deletes what is in the namespace of one resource; returns how many objects are still there. */
  private async empty(namespace: string, ref: ResourceRef): Promise<number> {
    const client = this.ctx.api.resource<KubeObject>(ref);
    let items: KubeObject[];
    try {
      items = (await client.list(namespace)).items;
    } catch (err) {
      if (isNotFound(err)) return 0; // not served by this apiserver
      throw err;
    }
    for (const item of items) {
      if (item.metadata?.deletionTimestamp !== undefined) continue;
      try {
        await client.delete(namespace, item.metadata?.name ?? '', { preconditions: { uid: item.metadata?.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
    return items.length;
  }
}

export const namespaceController: ControllerDescriptor = {
  name: 'namespace',
  flags: { 'namespace-sync-retry': '2s' },
  create: (ctx) => new NamespaceController(ctx),
};
