// What every controller is built from: the apiserver client, the shared informers, a clock, a logger, an event sink
// and the tunable periods (flags of the controller-manager, short in tests).
import type { Logger } from '../../../common/logger.ts';
import type { ApiClient } from '../../client/api-client.ts';
import type { Clock } from '../../client/clock.ts';
import type { EventSink } from './events.ts';
import type { InformerFactory } from './informer-factory.ts';

export interface ControllerOptions {
  /** Concurrent reconciles per controller (client-go's --concurrent-*-syncs, default 5). */
  workers: number;
  /** How often CronJobs are checked against their schedule (Kubernetes: 10 s). */
  cronJobSyncPeriodMs: number;
  /** Free-form per-controller settings the other controllers read (node monitor periods …). */
  extra: Readonly<Record<string, string>>;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = { workers: 5, cronJobSyncPeriodMs: 10_000, extra: {} };

export interface ControllerContext {
  api: ApiClient;
  informers: InformerFactory;
  clock: Clock;
  logger: Logger;
  events: EventSink;
  options: ControllerOptions;
}

/** A running controller: it registers its informer handlers when created, works once run() is called. */
export interface Controller {
  readonly name: string;
  run(): void;
  stop(): Promise<void>;
}

export interface ControllerDescriptor {
  /** The name --controllers selects it by (Kubernetes' names: "replicaset", "deployment" …). */
  name: string;
  /** Extra controller-manager flags this controller reads from options.extra: name (no dashes) → default value. */
  flags?: Readonly<Record<string, string>>;
  create(ctx: ControllerContext): Controller;
}
