// The resourcequota controller: keeps each ResourceQuota's status true to its namespace — status.hard a copy of
// spec.hard, status.used what the namespace's objects use now (quota-usage.ts measures them as the apiserver's
// ResourceQuota admission does). The apiserver adds each admitted create to status.used before writing the object;
// this controller is what brings usage back down (deletions, finished pods) and corrects a charge whose create
// failed. It recomputes a namespace's quotas when an object they could count comes or goes, when a quota's spec
// changes, and every --resource-quota-sync-period (5m, as kube-controller-manager). Counted kinds are watched from
// the first quota that names them on.
import type { KubeObject } from '../../apiserver/index.ts';
import { BUILTIN_RESOURCES, calculateQuotaUsage, kindsCountedFor, parseResourceList, resourceListJson } from '../../apiserver/resources/index.ts';
import { o, str } from '../../apiserver/resources/values.ts';
import { objectKey, RESOURCES, type ResourceClient, type SharedInformer, type Timer } from '../client/index.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
import { writeStatusIfChanged } from './common/write-status.ts';

/** How soon a quota is looked at again while a kind it counts has not been listed yet. */
const UNSYNCED_RETRY_MS = 1_000;

const isFinished = (pod: KubeObject): boolean => ['Succeeded', 'Failed'].includes(str(o(pod.status).phase));

export class ResourceQuotaController extends QueueController {
  private readonly quotas: SharedInformer;
  private readonly client: ResourceClient<KubeObject>;
  /** Informers of the kinds some quota counts, by "group/resource", created when first needed. */
  private readonly counted = new Map<string, SharedInformer>();
  private readonly resyncMs: number;
  private timer: Timer | null = null;
  private running = false;
  private stopped = false;

  constructor(ctx: ControllerContext) {
    super('resourcequota', ctx);
    this.resyncMs = parseDuration(ctx.options.extra['resource-quota-sync-period'] ?? '5m');
    this.quotas = ctx.informers.informer(RESOURCES.resourcequotas);
    this.client = ctx.api.resource<KubeObject>(RESOURCES.resourcequotas);
    this.counted.set('/resourcequotas', this.quotas);
    const quota = (q: KubeObject): void => this.enqueue(objectKey(q));
    // A quota that comes or goes is something the namespace's other quotas may count (`resourcequotas`).
    this.quotas.addEventHandler({
      onAdd: (q) => this.enqueueNamespace(q.metadata?.namespace ?? ''),
      // Status writes are this controller's own (or admission's charges): only a spec that status does not reflect yet
      // needs a recount. Everything else is recounted by the events of what is counted, and the periodic resync.
      onUpdate: (old, q) => {
        if (JSON.stringify(old.spec) !== JSON.stringify(q.spec) || JSON.stringify(o(q.spec).hard ?? {}) !== JSON.stringify(o(q.status).hard ?? {})) quota(q);
      },
      onDelete: (q) => this.enqueueNamespace(q.metadata?.namespace ?? ''),
    });
    // Pods are what quotas count most; watching them from the start spares the first quota a wait.
    this.informerFor('', 'pods');
  }

  override run(): void {
    super.run();
    this.running = true;
    const tick = (): void => {
      if (this.stopped) return;
      for (const key of this.quotas.indexer.listKeys()) this.enqueue(key);
      this.timer = this.ctx.clock.setTimer(this.resyncMs, tick);
    };
    this.timer = this.ctx.clock.setTimer(this.resyncMs, tick);
  }

  override async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await super.stop();
  }

  private enqueueNamespace(namespace: string): void {
    for (const q of this.quotas.indexer.byIndex('namespace', namespace)) this.enqueue(objectKey(q));
  }

  /** The informer of a namespaced kind the apiserver serves, started on first use; undefined for other kinds. */
  private informerFor(group: string, resource: string): SharedInformer | undefined {
    const key = `${group}/${resource}`;
    const existing = this.counted.get(key);
    if (existing !== undefined || this.stopped) return existing;
    const def = BUILTIN_RESOURCES.find((d) => d.group === group && d.resource === resource && d.namespaced);
    if (def === undefined) return undefined;
    const informer = this.ctx.informers.informer({ group, version: def.version, resource });
    const changed = (obj: KubeObject): void => this.enqueueNamespace(obj.metadata?.namespace ?? '');
    informer.addEventHandler({
      onAdd: changed,
      onDelete: changed,
      // A pod that finishes no longer uses compute quota.
      onUpdate: (old, obj) => {
        if (group === '' && resource === 'pods' && isFinished(old) !== isFinished(obj)) changed(obj);
      },
    });
    this.counted.set(key, informer);
    // Before run() the controller-manager starts every informer asked for; after, a new one is started here.
    if (this.running) this.ctx.informers.start();
    return informer;
  }

  protected async reconcile(key: string): Promise<ReconcileResult | void> {
    const quota = this.quotas.indexer.get(key);
    if (quota === undefined) return;
    const { namespace } = splitKey(key);
    const spec = o(quota.spec);
    let unsynced = false;
    const objects = new Map<string, KubeObject[]>();
    for (const { group, resource } of kindsCountedFor(Object.keys(o(spec.hard)))) {
      const informer = this.informerFor(group, resource);
      if (informer === undefined) continue;
      if (!informer.hasSynced()) unsynced = true;
      else objects.set(`${group}/${resource}`, informer.indexer.byIndex('namespace', namespace));
    }
    const computed = calculateQuotaUsage(quota, (group, resource) => objects.get(`${group}/${resource}`), this.ctx.clock.now());
    // What could not be measured keeps its last value; what is no longer limited goes.
    const hard = parseResourceList(spec.hard);
    const used = parseResourceList(o(quota.status).used);
    for (const [name, q] of computed) used.set(name, q);
    for (const name of used.keys()) if (!hard.has(name)) used.delete(name);
    await writeStatusIfChanged(this.client, quota, { hard: resourceListJson(hard), used: resourceListJson(used) });
    return unsynced ? { requeueAfterMs: UNSYNCED_RETRY_MS } : undefined;
  }
}

export const resourceQuotaController: ControllerDescriptor = {
  name: 'resourcequota',
  flags: { 'resource-quota-sync-period': '5m' },
  create: (ctx) => new ResourceQuotaController(ctx),
};
