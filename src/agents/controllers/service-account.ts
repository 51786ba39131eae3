// The service account controller: every active namespace has a ServiceAccount named "default" (recreated if
// deleted). Terminating namespaces are left alone — the apiserver refuses creates in them anyway.
import type { KubeObject } from '../../apiserver/index.ts';
import { isAlreadyExists, isNotFound, objectKey, RESOURCES, type SharedInformer } from '../client/index.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController } from './common/queue-controller.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export class ServiceAccountController extends QueueController {
  private readonly namespaces: SharedInformer;
  private readonly accounts: SharedInformer;

  constructor(ctx: ControllerContext) {
    super('serviceaccount', ctx);
    this.namespaces = ctx.informers.informer(RESOURCES.namespaces);
    this.accounts = ctx.informers.informer(RESOURCES.serviceaccounts);
    const ns = (n: KubeObject): void => this.enqueue(objectKey(n));
    this.namespaces.addEventHandler({ onAdd: ns, onUpdate: (_, n) => ns(n) });
    this.accounts.addEventHandler({ onDelete: (sa) => sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT && this.enqueue(sa.metadata?.namespace ?? '') });
  }

  protected async reconcile(namespace: string): Promise<void> {
    const ns = this.namespaces.indexer.get(namespace);
    if (ns === undefined || ns.metadata?.deletionTimestamp !== undefined) return;
    if (this.accounts.indexer.get(`${namespace}/${DEFAULT_SERVICE_ACCOUNT}`) !== undefined) return;
    try {
      await this.ctx.api.resource<KubeObject>(RESOURCES.serviceaccounts).create(namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } });
      this.log.debug({ namespace }, 'created the default service account');
    } catch (err) {
      // Exists already (the cache lagged), or the namespace went away / started terminating meanwhile.
      if (!isAlreadyExists(err) && !isNotFound(err) && !(err instanceof Error && /being terminated/.test(err.message))) throw err;
    }
  }
}

export const serviceAccountController: ControllerDescriptor = {
  name: 'serviceaccount',
  create: (ctx) => new ServiceAccountController(ctx),
};
