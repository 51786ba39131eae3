// The node provider controller (the cloud node lifecycle controller's role): asks a NodeProvider whether the machine
// behind a node still exists, and deletes the Node when it does not. As upstream, only nodes that are not Ready are
// asked about (a healthy kubelet proves its machine exists); the node lifecycle controller then deletes the pods
// that were bound to it. Checked every --node-provider-sync-period and whenever a node changes.
import type { KubeObject } from '../../apiserver/index.ts';
import { isNotFound, objectKey, RESOURCES, type SharedInformer, type Timer } from '../client/index.ts';
import { parseDuration } from '../controller-manager/flags.ts';
import type { ControllerContext, ControllerDescriptor } from './common/controller-context.ts';
import { QueueController } from './common/queue-controller.ts';
import { readyStatus } from './node-lifecycle-health.ts';
import { MachineDirectoryProvider, type NodeProvider } from './node-provider-local.ts';

export class NodeProviderController extends QueueController {
  private readonly nodes: SharedInformer;
  private readonly periodMs: number;
  private timer: Timer | null = null;

  constructor(
    ctx: ControllerContext,
    private readonly provider: NodeProvider,
  ) {
    super('node-provider', ctx);
    this.periodMs = parseDuration(ctx.options.extra['node-provider-sync-period'] ?? '5s');
    this.nodes = ctx.informers.informer(RESOURCES.nodes);
    this.nodes.addEventHandler({ onAdd: (n) => this.enqueue(objectKey(n)), onUpdate: (_, n) => this.enqueue(objectKey(n)) });
  }

  override run(): void {
    super.run();
    const tick = (): void => {
      for (const n of this.nodes.indexer.listKeys()) this.enqueue(n);
      this.timer = this.ctx.clock.setTimer(this.periodMs, tick);
    };
    tick();
  }

  override async stop(): Promise<void> {
    this.timer?.cancel();
    await super.stop();
  }

  protected async reconcile(name: string): Promise<void> {
    const node = this.nodes.indexer.get(name);
    if (node === undefined || readyStatus(node) === 'True') return;
    if (await this.provider.instanceExists(node)) return;
    this.log.info({ node: name, provider: this.provider.describe() }, 'machine is gone; deleting the node');
    this.ctx.events.event(node, 'Normal', 'DeletingNode', `Deleting node ${name} because it does not exist in the node provider`);
    try {
      await this.ctx.api.resource<KubeObject>(RESOURCES.nodes).delete('', name, { preconditions: { uid: node.metadata?.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export const nodeProviderController: ControllerDescriptor = {
  name: 'node-provider',
  flags: { 'node-machine-dir': '', 'node-provider-sync-period': '5s' },
  create: (ctx) => {
    const dir = ctx.options.extra['node-machine-dir'] ?? '';
    return new NodeProviderController(ctx, dir === '' ? { instanceExists: async () => true, describe: () => 'none (every machine exists)' } : new MachineDirectoryProvider(dir));
  },
};
