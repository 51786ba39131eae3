// The local dynamic provisioner, the part rancher's local-path provisioner plays in k3s: a claim the binder marked for
// `rancher.io/local-path` (or `barque.io/local-path`) gets a fresh directory under --local-storage-root and a
// PersistentVolume pre-bound to it (hostPath; for a WaitForFirstConsumer class, once the claim carries its consumer's
// node, pinned to that node). A Released volume it provisioned whose policy is Delete loses its directory, then its
// object. With --default-storage-class=NAME it makes sure, once it starts leading, that a default StorageClass of that
// name exists (local-path, WaitForFirstConsumer and Delete, as k3s ships it); `barque up` and `barque cluster` ask
// for `local-path`. Everything is on the controller-manager's machine, which on barque is every node's machine too.
import os from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../apiserver/index.ts';
import { volumes as vc } from '../../apiserver/resources/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { isAlreadyExists, isNotFound } from '../client/errors.ts';
import { objectKey } from '../client/indexer.ts';
import type { ResourceClient } from '../client/resource-client.ts';
import { RESOURCES } from '../client/resources.ts';
import type { SharedInformer } from '../client/shared-informer.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { apiEventSink, type EventSink } from './common/events.ts';
import { QueueController } from './common/queue-controller.ts';
import { createVolumeDir, LOCAL_PATH_PROVISIONERS, provisionedVolume, removeVolumeDir, unsupportedClaim, volumeDirFor, volumeNameFor, volumePath } from './local-path-storage.ts';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from './volume-binding.ts';

type Obj = KubeObject;

const CLAIM = 'claim:';
const VOLUME = 'volume:';
const DEFAULT_CLASS = 'class:';
export const DEFAULT_LOCAL_STORAGE_ROOT = path.join(os.tmpdir(), 'barque-local-storage');

const isOurs = (provisioner: string | undefined): boolean => provisioner !== undefined && LOCAL_PATH_PROVISIONERS.includes(provisioner);

/** The default class k3s ships, under the name asked for. */
export function defaultLocalPathClass(name: string): Obj {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: LOCAL_PATH_PROVISIONERS[0],
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export class LocalPathProvisioner extends QueueController {
  private readonly claims: SharedInformer<Obj>;
  private readonly volumes: SharedInformer<Obj>;
  private readonly classes: SharedInformer<Obj>;
  private readonly volumeClient: ResourceClient<Obj>;
  private readonly classClient: ResourceClient<Obj>;
  private readonly recorders = new Map<string, EventSink>();
  private readonly root: string;
  private readonly defaultClass: string;

  constructor(ctx: ControllerContext) {
    super('local-path-provisioner', ctx);
    this.root = path.resolve(ctx.options.extra['local-storage-root'] || DEFAULT_LOCAL_STORAGE_ROOT);
    this.defaultClass = ctx.options.extra['default-storage-class'] ?? '';
    this.claims = ctx.informers.informer(RESOURCES.persistentvolumeclaims);
    this.volumes = ctx.informers.informer(RESOURCES.persistentvolumes);
    this.classes = ctx.informers.informer(RESOURCES.storageclasses);
    this.volumeClient = ctx.api.resource(RESOURCES.persistentvolumes);
    this.classClient = ctx.api.resource(RESOURCES.storageclasses);
    const claim = (c: Obj): void => this.enqueue(CLAIM + objectKey(c));
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_, c) => claim(c) });
    const volume = (pv: Obj): void => this.enqueue(VOLUME + (pv.metadata?.name ?? ''));
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_, pv) => volume(pv) });
  }

  override run(): void {
    super.run();
    if (this.defaultClass !== '') this.enqueue(DEFAULT_CLASS + this.defaultClass);
  }

  protected async reconcile(key: string): Promise<void> {
    if (key.startsWith(CLAIM)) return this.provision(key.slice(CLAIM.length));
    if (key.startsWith(VOLUME)) return this.reclaim(key.slice(VOLUME.length));
    if (key.startsWith(DEFAULT_CLASS)) return this.ensureDefaultClass(key.slice(DEFAULT_CLASS.length));
  }

  private recorder(provisioner: string): EventSink {
    let sink = this.recorders.get(provisioner);
    if (sink === undefined) {
      sink = apiEventSink(this.ctx.api, this.ctx.clock, this.ctx.logger, provisioner);
      this.recorders.set(provisioner, sink);
    }
    return sink;
  }

  /** Once at start: the default class exists (one an administrator changed or deleted later is not put back). */
  private async ensureDefaultClass(name: string): Promise<void> {
    if (this.classes.indexer.get(name) !== undefined) return;
    try {
      await this.classClient.create('', defaultLocalPathClass(name));
      this.log.info({ storageClass: name }, 'created the default StorageClass');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private async provision(key: string): Promise<void> {
    const claim = this.claims.indexer.get(key);
    if (claim === undefined || claim.metadata?.deletionTimestamp !== undefined || str(o(claim.spec).volumeName) !== '') return;
    const annotations = claim.metadata?.annotations ?? {};
    const asked = annotations[ANN_STORAGE_PROVISIONER] ?? annotations[ANN_BETA_STORAGE_PROVISIONER];
    if (!isOurs(asked)) return;
    const storageClass = this.classes.indexer.get(vc.claimStorageClass(claim));
    const provisioner = str(storageClass?.provisioner);
    if (storageClass === undefined || provisioner !== asked) return;
    const node = annotations[ANN_SELECTED_NODE];
    if (str(storageClass.volumeBindingMode) === 'WaitForFirstConsumer' && node === undefined) return;
    const pvName = volumeNameFor(claim);
    if (this.volumes.indexer.get(pvName) !== undefined) return;
    const events = this.recorder(provisioner);
    const unsupported = unsupportedClaim(claim);
    if (unsupported !== undefined) {
      events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata?.name ?? ''}": ${unsupported}`);
      return;
    }
    events.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const dir = volumeDirFor(this.root, claim);
    try {
      await createVolumeDir(dir);
      await this.volumeClient.create('', provisionedVolume({ claim, storageClass, dir, node }));
    } catch (err) {
      if (isAlreadyExists(err)) return;
      events.event(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${storageClass.metadata?.name ?? ''}": ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    }
    events.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    this.log.info({ claim: key, volume: pvName, dir }, 'provisioned a volume');
  }

  /** A Released volume of ours with reclaim policy Delete: its directory, then its object. */
  private async reclaim(name: string): Promise<void> {
    const volume = this.volumes.indexer.get(name);
    if (volume === undefined || volume.metadata?.deletionTimestamp !== undefined) return;
    const provisioner = volume.metadata?.annotations?.[ANN_PROVISIONED_BY];
    if (!isOurs(provisioner) || str(o(volume.status).phase) !== 'Released' || str(o(volume.spec).persistentVolumeReclaimPolicy) !== 'Delete') return;
    const dir = volumePath(volume);
    if (dir !== undefined) {
      try {
        await removeVolumeDir(this.root, dir);
      } catch (err) {
        this.recorder(provisioner ?? '').event(volume, 'Warning', 'VolumeFailedDelete', err instanceof Error ? err.message : String(err));
        return;
      }
    }
    try {
      await this.volumeClient.delete('', name, { preconditions: { uid: volume.metadata?.uid } });
      this.log.info({ volume: name, dir }, 'deleted a released volume and its directory');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const localPathProvisionerController: ControllerDescriptor = {
  name: 'local-path-provisioner',
  flags: { 'local-storage-root': DEFAULT_LOCAL_STORAGE_ROOT, 'default-storage-class': '' },
  create: (ctx) => new LocalPathProvisioner(ctx),
};
