// The PersistentVolume binder (kube-controller-manager's "persistentvolume-binder"): binds each claim to a volume,
// both ways (the volume's claimRef, the claim's volumeName), and keeps both phases: volumes Available, Bound,
// Released (their claim gone) or Failed; claims Pending, Bound or Lost. A claim gets the volume volume-binding.ts
// picks; without one, a claim of a class with a provisioner is annotated for it (volume.kubernetes.io/
// storage-provisioner) and the provisioner creates a volume pre-bound to it. A class with WaitForFirstConsumer
// delays all this until a pod using the claim is scheduled: barque's scheduler does not bind volumes, so this
// controller stands in for its VolumeBinding step and writes the pod's node into volume.kubernetes.io/selected-node.
// A claim naming no class gets the default class once one exists (retroactive default, as kube 1.28+). A Released
// volume is reclaimed by its policy: Retain keeps it; Delete leaves a provisioned volume to its provisioner and
// deletes the object of a static one (its storage is not barque's); Recycle is not supported (Failed).
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
import { apiEventSink, type EventSink } from './common/events.ts';
import { jsonEqual } from './common/hash.ts';
import { QueueController } from './common/queue-controller.ts';
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimKeyOf,
  findBestMatch,
  isVolumeBoundToClaim,
  podClaimNames,
  podIsShutDown,
  shouldDelayBinding,
  volumeMismatch,
} from './volume-binding.ts';

type Obj = KubeObject;

const CLAIM = 'claim:';
const VOLUME = 'volume:';

const phaseOf = (obj: Obj): string => str(o(obj.status).phase);
const annotations = (obj: Obj): Record<string, string> => obj.metadata?.annotations ?? {};

export class PersistentVolumeBinder extends QueueController {
  private readonly claims: SharedInformer<Obj>;
  private readonly volumes: SharedInformer<Obj>;
  private readonly classes: SharedInformer<Obj>;
  private readonly pods: SharedInformer<Obj>;
  private readonly claimClient: ResourceClient<Obj>;
  private readonly volumeClient: ResourceClient<Obj>;
  /** kube-controller-manager's PV controller reports as "persistentvolume-controller". */
  private readonly recorder: EventSink;

  constructor(ctx: ControllerContext) {
    super('persistentvolume-binder', ctx);
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    this.volumes = ctx.informers.informer(RESOURCES.persistentvolumes);
    this.classes = ctx.informers.informer(RESOURCES.storageclasses);
    this.pods = ctx.informers.informer(RESOURCES.pods);
    this.claimClient = ctx.api.resource(RESOURCES.persistentvolumeclaims);
    this.volumeClient = ctx.api.resource(RESOURCES.persistentvolumes);
    this.recorder = apiEventSink(ctx.api, ctx.clock, ctx.logger, 'persistentvolume-controller');

    const claim = (c: Obj): void => {
      this.enqueue(CLAIM + objectKey(c));
      const volumeName = str(o(c.spec).volumeName);
      if (volumeName !== '') this.enqueue(VOLUME + volumeName);
    };
    const claimGone = (c: Obj): void => {
      claim(c);
      // Volumes whose claimRef names it are Released now.
      const key = objectKey(c);
      for (const pv of this.volumes.indexer.list()) if (claimKeyOf(pv) === key) this.enqueue(VOLUME + (pv.metadata?.name ?? ''));
    };
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_, c) => claim(c), onDelete: claimGone });
    const volume = (pv: Obj): void => {
      this.enqueue(VOLUME + (pv.metadata?.name ?? ''));
      const key = claimKeyOf(pv);
      if (key !== undefined) this.enqueue(CLAIM + key);
    };
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_, pv) => volume(pv), onDelete: volume });
    // A new class (or a new default) may let waiting claims go on.
    const unboundClaims = (): void => {
      for (const c of this.claims.indexer.list()) if (str(o(c.spec).volumeName) === '') this.enqueue(CLAIM + objectKey(c));
    };
    this.classes.addEventHandler({ onAdd: unboundClaims, onUpdate: unboundClaims });
    // A pod scheduled with a claim that waits for its first consumer.
    const pod = (p: Obj): void => {
      if (str(o(p.spec).nodeName) === '') return;
      for (const name of podClaimNames(p)) this.enqueue(`${CLAIM}${p.metadata?.namespace ?? ''}/${name}`);
    };
    this.pods.addEventHandler({ onAdd: pod, onUpdate: (_, p) => pod(p) });
  }

  protected async reconcile(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.syncClaim(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.syncVolume(key.slice(VOLUME.length));
  }

  // ---- claims ----

  private async syncClaim(key: string): Promise<void> {
    const cached = this.claims.indexer.get(key);
    if (cached === undefined) return;
    const claim = structuredClone(cached);
    if (str(o(claim.spec).volumeName) === '') return this.syncUnboundClaim(claim);
    return this.syncClaimWithVolume(claim);
  }

  private async syncUnboundClaim(claim: Obj): Promise<void> {
    if (isDeleting(claim)) return;
    if (!vc.claimHasClass(claim)) {
      const fallback = vc.defaultStorageClass(this.classes.indexer.list());
      if (fallback !== undefined) {
        // Retroactive default: the update comes back as an event and the claim is synced again.
        claim.spec = { ...o(claim.spec), storageClassName: fallback.metadata?.name ?? '' };
        await this.claimClient.update(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', claim);
        return;
      }
    }
    const className = vc.claimStorageClass(claim);
    const storageClass = className === '' ? undefined : this.classes.indexer.get(className);
    const delay = shouldDelayBinding(claim, storageClass);
    if (delay && (await this.selectNodeFromConsumer(claim))) return;
    const volume = findBestMatch(claim, this.volumes.indexer.list(), { delayBinding: delay });
    if (volume !== undefined) return this.bind(structuredClone(volume), claim);
    if (delay) {
      this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return this.writeClaimStatus(claim, { phase: 'Pending' });
    }
    if (className !== '' && storageClass !== undefined) return this.requestProvisioning(claim, storageClass);
    if (className === '') this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    else this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    await this.writeClaimStatus(claim, { phase: 'Pending' });
  }

  /**
   * The scheduler's VolumeBinding PreBind, done here: a scheduled pod that uses the claim picks its node, written
   * into the claim's selected-node annotation (the provisioner creates the volume for that node). True if written.
   */
  private async selectNodeFromConsumer(claim: Obj): Promise<boolean> {
    const ns = claim.metadata?.namespace ?? '';
    const name = claim.metadata?.name ?? '';
    const consumer = this.pods.indexer
      .byIndex('namespace', ns)
      .find((p) => str(o(p.spec).nodeName) !== '' && !isDeleting(p) && !podIsShutDown(p) && podClaimNames(p).includes(name));
    if (consumer === undefined) return false;
    claim.metadata = { ...claim.metadata, annotations: { ...annotations(claim), [ANN_SELECTED_NODE]: str(o(consumer.spec).nodeName) } };
    await this.claimClient.update(ns, name, claim);
    return true;
  }

  /** Marks the claim for its class's provisioner (kube's external provisioning path) and waits for its volume. */
  private async requestProvisioning(claim: Obj, storageClass: Obj): Promise<void> {
    const provisioner = str(storageClass.provisioner);
    const current = annotations(claim);
    if (current[ANN_STORAGE_PROVISIONER] !== provisioner || current[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
      claim.metadata = { ...claim.metadata, annotations: { ...current, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } };
      claim = await this.claimClient.update(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', claim);
      this.recorder.event(
        claim,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    }
    await this.writeClaimStatus(claim, { phase: 'Pending' });
  }

  /** A claim that names its volume: bind, or report why not (Pending), or that a bound claim lost it (Lost). */
  private async syncClaimWithVolume(claim: Obj): Promise<void> {
    const volumeName = str(o(claim.spec).volumeName);
    const wasBound = annotations(claim)[ANN_BIND_COMPLETED] !== undefined;
    const cached = this.volumes.indexer.get(volumeName);
    if (cached === undefined) {
      if (!wasBound) return this.writeClaimStatus(claim, { phase: 'Pending' });
      if (phaseOf(claim) !== 'Lost') this.recorder.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return this.writeClaimStatus(claim, { ...o(claim.status), phase: 'Lost' });
    }
    const volume = structuredClone(cached);
    const ref = o(volume.spec).claimRef;
    if (ref === undefined || ref === null) {
      const mismatch = wasBound ? undefined : volumeMismatch(volume, claim);
      if (mismatch !== undefined) {
        this.recorder.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volumeName}": ${mismatch}`);
        return this.writeClaimStatus(claim, { phase: 'Pending' });
      }
      return this.bind(volume, claim);
    }
    if (isVolumeBoundToClaim(volume, claim)) return this.bind(volume, claim);
    if (wasBound) {
      if (phaseOf(claim) !== 'Lost') this.recorder.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
      return this.writeClaimStatus(claim, { ...o(claim.status), phase: 'Lost' });
    }
    this.recorder.event(claim, 'Warning', 'FailedBinding', `volume "${volumeName}" already bound to a different claim.`);
    await this.writeClaimStatus(claim, { phase: 'Pending' });
  }

  /** Both sides of a binding, each write only when it changes something (a repeated bind completes a partial one). */
  private async bind(volume: Obj, claim: Obj): Promise<void> {
    const meta = claim.metadata ?? {};
    const ns = meta.namespace ?? '';
    const name = meta.name ?? '';
    const ref = o(o(volume.spec).claimRef);
    if (!isVolumeBoundToClaim(volume, claim) || str(ref.uid) === '') {
      const setByController = !isVolumeBoundToClaim(volume, claim);
      volume.spec = { ...o(volume.spec), claimRef: { kind: 'PersistentVolumeClaim', namespace: ns, name, uid: meta.uid, apiVersion: 'v1', resourceVersion: meta.resourceVersion } };
      if (setByController) volume.metadata = { ...volume.metadata, annotations: { ...annotations(volume), [ANN_BOUND_BY_CONTROLLER]: 'yes' } };
      volume = await this.volumeClient.update('', volume.metadata?.name ?? '', volume);
    }
    if (phaseOf(volume) !== 'Bound') await this.volumeClient.updateStatus('', volume.metadata?.name ?? '', { ...volume, status: { ...o(volume.status), phase: 'Bound' } });
    const volumeName = volume.metadata?.name ?? '';
    const current = annotations(claim);
    if (str(o(claim.spec).volumeName) !== volumeName || current[ANN_BIND_COMPLETED] !== 'yes') {
      const boundByController: Record<string, string> = str(o(claim.spec).volumeName) === '' ? { [ANN_BOUND_BY_CONTROLLER]: 'yes' } : {};
      claim.spec = { ...o(claim.spec), volumeName };
      claim.metadata = { ...meta, annotations: { ...current, [ANN_BIND_COMPLETED]: 'yes', ...boundByController } };
      claim = await this.claimClient.update(ns, name, claim);
    }
    const spec = o(volume.spec);
    await this.writeClaimStatus(claim, { ...o(claim.status), phase: 'Bound', accessModes: spec.accessModes, capacity: spec.capacity });
  }

  private async writeClaimStatus(claim: Obj, status: Record<string, unknown>): Promise<void> {
    if (jsonEqual(o(claim.status), status)) return;
    try {
      await this.claimClient.updateStatus(claim.metadata?.namespace ?? '', claim.metadata?.name ?? '', { ...claim, status });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  // ---- volumes ----

  private async syncVolume(name: string): Promise<void> {
    const cached = this.volumes.indexer.get(name);
    if (cached === undefined) return;
    const volume = structuredClone(cached);
    const ref = o(volume.spec).claimRef;
    if (ref === undefined || ref === null) return this.writeVolumePhase(volume, 'Available');
    const r = o(ref);
    // Pre-bound by the user to a claim name: available to that claim, whose sync does the binding.
    if (str(r.uid) === '') return this.writeVolumePhase(volume, 'Available');
    const claim = await this.currentClaim(str(r.namespace), str(r.name), str(r.uid));
    if (claim === undefined) return this.release(volume);
    const claimVolume = str(o(claim.spec).volumeName);
    if (claimVolume === '') {
      // The claim's sync completes the binding.
      this.enqueue(CLAIM + objectKey(claim));
      return;
    }
    if (claimVolume === name) return this.writeVolumePhase(volume, 'Bound');
    // The claim went to another volume: this one is free again (a user's pre-binding keeps its claim name).
    if (annotations(volume)[ANN_BOUND_BY_CONTROLLER] !== undefined) {
      const { [ANN_BOUND_BY_CONTROLLER]: _dropped, ...rest } = annotations(volume);
      const { claimRef: _ref, ...spec } = o(volume.spec);
      volume.metadata = { ...volume.metadata, annotations: rest };
      volume.spec = spec;
    } else {
      volume.spec = { ...o(volume.spec), claimRef: { ...r, uid: '' } };
    }
    const updated = await this.volumeClient.update('', name, volume);
    await this.writeVolumePhase(updated, 'Available');
  }

  /** The claim a claimRef names, if it is still that claim; a cache miss is checked against the apiserver. */
  private async currentClaim(namespace: string, name: string, uid: string): Promise<Obj | undefined> {
    let claim = this.claims.indexer.get(`${namespace}/${name}`);
    if (claim === undefined) {
      try {
        claim = await this.claimClient.get(namespace, name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        return undefined;
      }
    }
    return claim.metadata?.uid === uid ? claim : undefined;
  }

  /** The claim is gone: Released, then the reclaim policy. */
  private async release(volume: Obj): Promise<void> {
    const name = volume.metadata?.name ?? '';
    const phase = phaseOf(volume);
    if (phase !== 'Released' && phase !== 'Failed') {
      await this.writeVolumePhase(volume, 'Released');
      return; // the status write comes back as an event; the reclaim happens then
    }
    if (phase === 'Failed' || isDeleting(volume)) return;
    const policy = str(o(volume.spec).persistentVolumeReclaimPolicy);
    if (policy === 'Recycle') {
      this.recorder.event(volume, 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
      await this.volumeClient.updateStatus('', name, { ...volume, status: { ...o(volume.status), phase: 'Failed', message: 'No recycler plugin found for the volume!' } });
      return;
    }
    // Retain: the volume stays Released until an administrator deals with it. Delete of a provisioned volume is
    // its provisioner's to do (it owns the storage).
    if (policy !== 'Delete' || annotations(volume)[ANN_PROVISIONED_BY] !== undefined) return;
    try {
      await this.volumeClient.delete('', name, { preconditions: { uid: volume.metadata?.uid } });
      this.log.info({ volume: name }, 'deleted a released volume (reclaim policy Delete)');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async writeVolumePhase(volume: Obj, phase: string): Promise<void> {
    if (phaseOf(volume) === phase) return;
    const { message: _message, reason: _reason, ...rest } = o(volume.status);
    try {
      await this.volumeClient.updateStatus('', volume.metadata?.name ?? '', { ...volume, status: { ...rest, phase } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const persistentVolumeBinderController: ControllerDescriptor = {
  name: 'persistentvolume-binder',
  create: (ctx) => new PersistentVolumeBinder(ctx),
};
