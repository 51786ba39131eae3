// The controller-manager: shared informers plus every enabled controller, started only while this process holds the
// Lease kube-system/kube-controller-manager (or at once with leader election off). As kube-controller-manager does,
// losing the lease ends the process: a fresh start is the simplest way to be sure no controller still acts.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger.ts';
import { ApiClient } from '../client/api-client.ts';
import { realClock, type Clock } from '../client/clock.ts';
import { LeaderElector } from '../client/leader-elector.ts';
import { LeaseLock } from '../client/lease-lock.ts';
import { RESOURCES } from '../client/resources.ts';
import { ALL_CONTROLLERS } from '../controllers/all-controllers.ts';
import type { Controller, ControllerContext, ControllerDescriptor } from '../controllers/common/controller-context.ts';
import { apiEventSink } from '../controllers/common/events.ts';
import { InformerFactory } from '../controllers/common/informer-factory.ts';
import { isControllerEnabled, type ControllerManagerFlags } from './flags.ts';
import type { ClientCredentials } from '../client/kubeconfig-credentials.ts';

export interface ControllerManagerOptions {
  flags: ControllerManagerFlags;
  logger: Logger;
  clock?: Clock;
  descriptors?: readonly ControllerDescriptor[];
  identity?: string;
  /** TLS and authentication for secure apiservers (none: plaintext gRPC). */
  credentials?: ClientCredentials;
  /** Told when leadership starts and when it is lost (the command exits on loss). */
  onLeading?(): void;
  onLostLeadership?(): void;
}

export class ControllerManager {
  readonly identity: string;
  private readonly api: ApiClient;
  private readonly clock: Clock;
  private informers: InformerFactory | null = null;
  private controllers: Controller[] = [];
  private elector: LeaderElector | null = null;

  constructor(private readonly options: ControllerManagerOptions) {
    this.clock = options.clock ?? realClock;
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.api = new ApiClient({ endpoints: options.flags.apiservers, userAgent: 'kube-controller-manager/v1.20.0 barque', clock: this.clock, logger: options.logger, ...options.credentials });
  }

  /** Campaigns for the lease (or starts at once without leader election); resolves once the campaign is under way. */
  start(): void {
    const { flags, logger } = this.options;
    if (!flags.leaderElect) {
      void this.startControllers();
      return;
    }
    this.elector = new LeaderElector({
      lock: new LeaseLock(this.api.resource(RESOURCES.leases), flags.leaseNamespace, flags.leaseName),
      identity: this.identity,
      clock: this.clock,
      leaseDurationMs: flags.leaseDurationMs,
      renewDeadlineMs: flags.renewDeadlineMs,
      retryPeriodMs: flags.retryPeriodMs,
      logger,
      callbacks: {
        onStartedLeading: () => void this.startControllers(),
        onStoppedLeading: () => {
          logger.warn({ identity: this.identity }, 'leader election lost');
          this.options.onLostLeadership?.();
        },
        onNewLeader: (leader) => logger.info({ leader }, 'new leader observed'),
      },
    });
    void this.elector.run();
  }

  private async startControllers(): Promise<void> {
    const { flags, logger } = this.options;
    const informers = new InformerFactory(this.api, { clock: this.clock, logger, resyncPeriodMs: flags.resyncPeriodMs });
    this.informers = informers;
    const ctx: Omit<ControllerContext, 'events'> = {
      api: this.api,
      informers,
      clock: this.clock,
      logger,
      options: { workers: flags.workers, cronJobSyncPeriodMs: flags.cronJobSyncPeriodMs, extra: flags.extra },
    };
    const enabled = (this.options.descriptors ?? ALL_CONTROLLERS).filter((d) => isControllerEnabled(d.name, flags.controllers));
    // Each controller's events carry its own source component ("deployment-controller"), as kubectl describe shows.
    this.controllers = enabled.map((d) => d.create({ ...ctx, events: apiEventSink(this.api, this.clock, logger, `${d.name}-controller`) }));
    informers.start();
    await informers.waitForSync();
    if (this.informers !== informers) return;
    for (const c of this.controllers) c.run();
    logger.info({ identity: this.identity, controllers: enabled.map((d) => d.name) }, 'controllers started');
    this.options.onLeading?.();
  }

  /** Stops the controllers and informers, then releases the lease. */
  async stop(): Promise<void> {
    const informers = this.informers;
    this.informers = null;
    await Promise.all(this.controllers.map((c) => c.stop()));
    this.controllers = [];
    await informers?.stop();
    await this.elector?.stop();
    this.api.close();
  }
}
