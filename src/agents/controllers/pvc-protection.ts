// The PVC protection controller (kube-controller-manager's "pvc-protection"): a claim keeps the
// kubernetes.io/pvc-protection finalizer (the apiserver adds it on create; this controller adds it to claims that lack
// it) until it is being deleted and no pod uses it. As upstream, a pod uses a claim when it is scheduled and names
// the claim in a persistentVolumeClaim volume, whatever its phase: a completed pod still holds it until it is deleted.
// Before letting a claim go, the pods are listed from the apiserver, so a pod the cache has not seen yet protects it.
import type { KubeObject } from '../../apiserver/index.ts';
import { volumes as vc } from '../../apiserver/resources/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { isDeleting } from './common/controller-ref.ts';
import { QueueController, splitKey } from './common/queue-controller.ts';
import { podClaimNames } from './volume-binding.ts';

type Obj = KubeObject;

/** Whether the pod holds the claim named `claim` (in its own namespace). */
export function podUsesClaim(pod: Obj, claim: string): boolean {
  return str(o(pod.spec).nodeName) !== '' && podClaimNames(pod).includes(claim);
}

export class PvcProtectionController extends QueueController {
  private readonly claims: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly claimClient: ResourceClient<Obj>;
  private readonly podClient: ResourceClient<Obj>;

  constructor(ctx: ControllerContext) {
    super('pvc-protection', ctx);
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.claimClient = ctx.api.resource(RESOURCES.persistentvolumeclaims);
    this.podClient = ctx.api.resource(RESOURCES.pods);
    const claim = (c: Obj): void => this.enqueue(objectKey(c));
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_, c) => claim(c) });
    // A pod that stops using its claims may free one that is being deleted.
    const pod = (p: Obj): void => {
      for (const name of podClaimNames(p)) this.enqueue(`${p.metadata?.namespace ?? ''}/${name}`);
    };
    this.pods.addEventHandler({ onUpdate: (_, p) => pod(p), onDelete: pod });
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.claims.indexer.get(key);
    if (cached === undefined) return;
    const finalizers = cached.metadata?.finalizers ?? [];
    const protectedNow = finalizers.includes(vc.PVC_PROTECTION_FINALIZER);
    const deleting = isDeleting(cached);
    if (!deleting && !protectedNow) return this.writeFinalizers(cached, [...finalizers, vc.PVC_PROTECTION_FINALIZER]);
    if (!deleting || !protectedNow) return;
    const { namespace, name } = splitKey(key);
    if (this.pods.indexer.byIndex('namespace', namespace).some((p) => podUsesClaim(p, name))) return;
    const live = await this.podClient.list(namespace);
    if (live.items.some((p) => podUsesClaim(p, name))) return;
    await this.writeFinalizers(cached, finalizers.filter((f) => f !== vc.PVC_PROTECTION_FINALIZER));
    this.log.info({ claim: key }, 'removed the protection finalizer from a claim no pod uses');
  }

  private async writeFinalizers(claim: Obj, finalizers: string[]): Promise<void> {
    const meta = claim.metadata ?? {};
    try {
      await this.claimClient.update(meta.namespace ?? '', meta.name ?? '', { ...claim, metadata: { ...meta, finalizers } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const pvcProtectionController: ControllerDescriptor = { name: 'pvc-protection', create: (ctx) => new PvcProtectionController(ctx) };
