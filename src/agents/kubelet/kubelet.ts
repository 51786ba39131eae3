// One node's kubelet: registers the Node, renews its Lease, posts its status, watches the pods bound to it
// (field selector spec.nodeName) and runs them through its Runtime, one pod worker per pod, and serves logs and
// stats on its node address. Several run in one process for hollow nodes; they share the Services informer, and
// the ApiClient too unless each has credentials of its own (node-clients.ts).
import type { KubeObject } from '../../apiserver/index.ts';
import { listerWatcher, objectKey, RESOURCES, SharedInformer, type ApiClient, type Clock } from '../client/index.ts';
import type { Logger } from '../../common/logger.ts';
import { EventRecorder } from '../record/index.ts';
import { KubeletServer } from './kubelet-server.ts';
import { NodeLease } from './node-lease.ts';
import type { NodeIdentity } from './node-object.ts';
import { NodeRegistration } from './node-registration.ts';
import type { PodInputSources } from './pod-inputs.ts';
import { PodSync } from './pod-sync.ts';
import type { ApiPod } from './pod-types.ts';
import { PodWorkers } from './pod-workers.ts';
import type { EnvVar, Runtime, ServiceEnvSource } from './runtime/index.ts';
import { SummaryProvider } from './stats-summary.ts';

export interface KubeletOptions {
  api: ApiClient;
  identity: NodeIdentity;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  services(namespace: string): ServiceEnvSource[];
  extraEnv: EnvVar[];
  leaseRenewMs: number;
  statusUpdateMs: number;
  /** The pod informer's resync: how often every pod's status is looked at again. */
  podResyncMs: number;
}

export class Kubelet {
  readonly podInformer: SharedInformer<KubeObject>;
  private readonly registration: NodeRegistration;
  private readonly lease: NodeLease;
  private readonly workers: PodWorkers;
  private readonly sync: PodSync;
  private readonly server: KubeletServer;
  private readonly recorder: EventRecorder;
  private unsubscribe: () => void = () => {};
  /** The kubelet server's port, once started. */
  port = 0;

  constructor(private readonly o: KubeletOptions) {
    const { api, identity, clock, logger } = o;
    const pods = api.resource<KubeObject>(RESOURCES.pods);
    this.podInformer = new SharedInformer<KubeObject>(listerWatcher(pods, '', { fieldSelector: `spec.nodeName=${identity.name}` }), {
      clock,
      logger,
      name: `pods@${identity.name}`,
      resyncPeriodMs: o.podResyncMs,
    });
    this.registration = new NodeRegistration({ nodes: api.resource(RESOURCES.nodes), identity, clock, logger, heartbeatMs: o.statusUpdateMs });
    this.lease = new NodeLease({ leases: api.resource(RESOURCES.leases), nodeName: identity.name, clock, logger, renewMs: o.leaseRenewMs });
    this.recorder = new EventRecorder({ events: api.resource(RESOURCES.events), component: 'kubelet', host: identity.name, clock, logger });
    const inputs: PodInputSources = {
      configMaps: api.resource(RESOURCES.configmaps),
      secrets: api.resource(RESOURCES.secrets),
      claims: api.resource(RESOURCES.persistentvolumeclaims),
      volumes: api.resource(RESOURCES.persistentvolumes),
      services: o.services,
      nodeName: identity.name,
      hostIP: identity.address,
      extraEnv: o.extraEnv,
    };
    this.workers = new PodWorkers({ clock, logger, sync: (key) => this.sync.sync(key, this.podInformer.indexer.get(key) as ApiPod | undefined) });
    this.sync = new PodSync({ pods, runtime: o.runtime, inputs, recorder: this.recorder, clock, logger, hostIP: identity.address, retryAfter: (k, ms) => this.workers.retryAfter(k, ms) });
    const names = {
      nameOf: (uid: string) => {
        const key = this.sync.keyOfUid(uid);
        if (key === undefined) return undefined;
        const slash = key.indexOf('/');
        return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
      },
    };
    this.server = new KubeletServer({
      host: identity.address,
      port: identity.kubeletPort,
      runtime: o.runtime,
      summary: new SummaryProvider(identity.name, o.runtime, names, clock),
      uidOf: (ns, name) => this.podInformer.indexer.get(`${ns}/${name}`)?.metadata?.uid,
      logger,
    });
  }

  get name(): string {
    return this.o.identity.name;
  }

  /** Serves, registers (retrying until the apiserver answers), then starts the loops. */
  async start(): Promise<void> {
    this.port = await this.server.start();
    this.o.identity.kubeletPort = this.port;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.registration.register();
        break;
      } catch (err) {
        if (attempt >= 60) throw err;
        this.o.logger.warn({ err: String(err), node: this.name }, 'node registration failed; retrying');
        await new Promise<void>((resolve) => this.o.clock.setTimer(1_000, resolve));
      }
    }
    this.lease.start();
    this.registration.start();
    const enqueue = (obj: KubeObject): void => this.workers.enqueue(objectKey(obj));
    this.podInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, obj) => enqueue(obj), onDelete: enqueue });
    this.unsubscribe = this.o.runtime.onPodChange((uid) => {
      const key = this.sync.keyOfUid(uid);
      if (key !== undefined) this.workers.enqueue(key);
    });
    this.podInformer.run();
    await this.podInformer.waitForSync();
  }

  /**
   * Stops watching and heartbeating. The runtime's pods are closed by the caller (the agent decides whether
   * containers outlive it).
   */
  async stop(): Promise<void> {
    this.unsubscribe();
    this.lease.stop();
    this.registration.stop();
    await this.podInformer.stop();
    await this.workers.stop();
    await this.server.close();
  }
}
