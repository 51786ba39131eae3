// The PV protection controller (kube-controller-manager's "pv-protection"): a PersistentVolume keeps the
// kubernetes.io/pv-protection finalizer (added by the apiserver on create, and here to volumes that lack it) until it
// is being deleted and no longer Bound to a claim; then the finalizer goes and the apiserver removes the volume.
import type { KubeObject } from '../../apiserver/index.ts';
import { volumes as vc } from '../../apiserver/resources/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { isNotFound } from '../client/errors.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { isDeleting } from './common/controller-ref.ts';
import { QueueController } from './common/queue-controller.ts';

type Obj = KubeObject;

export class PvProtectionController extends QueueController {
  private readonly volumes: SharedInformer<Obj>;
  private readonly client: ResourceClient<Obj>;

  constructor(ctx: ControllerContext) {
    super('pv-protection', ctx);
    this.volumes = ctx.informers.informer(RESOURCES.persistentvolumes);
    this.client = ctx.api.resource(RESOURCES.persistentvolumes);
    const volume = (pv: Obj): void => this.enqueue(pv.metadata?.name ?? '');
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_, pv) => volume(pv) });
  }

  protected async reconcile(name: string): Promise<void> {
    const pv = this.volumes.indexer.get(name);
    if (pv === undefined) return;
    const finalizers = pv.metadata?.finalizers ?? [];
    const protectedNow = finalizers.includes(vc.PV_PROTECTION_FINALIZER);
    const deleting = isDeleting(pv);
    if (!deleting && !protectedNow) return this.writeFinalizers(pv, [...finalizers, vc.PV_PROTECTION_FINALIZER]);
    if (!deleting || !protectedNow || str(o(pv.status).phase) === 'Bound') return;
    await this.writeFinalizers(pv, finalizers.filter((f) => f !== vc.PV_PROTECTION_FINALIZER));
  }

  private async writeFinalizers(pv: Obj, finalizers: string[]): Promise<void> {
    try {
      await this.client.update('', pv.metadata?.name ?? '', { ...pv, metadata: { ...pv.metadata, finalizers } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const pvProtectionController: ControllerDescriptor = { name: 'pv-protection', create: (ctx) => new PvProtectionController(ctx) };
