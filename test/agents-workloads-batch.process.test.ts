// DaemonSet, Job and StatefulSet controllers in `bin/barque controller-manager` against `bin/barque apiserver` on
// etcd 3.4, with four hollow nodes: node-a, node-b (disk=ssd), node-c (tainted dedicated=infra:NoSchedule) and
// node-d (unschedulable). The hollow nodes bind pods themselves (no scheduler in these tests): DaemonSet pods to the
// node their metadata.name affinity names.
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { listerWatcher, ManualClock, realClock, RESOURCES, SharedInformer } from '../src/agents/client/index.ts';
import { silentLogger } from '../src/common/logger.ts';
import { apiEventSink, DEFAULT_CONTROLLER_OPTIONS, InformerFactory } from '../src/agents/controllers/index.ts';
import { cronJobController } from '../src/agents/controllers/cron-job.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { setupOnce } from './apiserver-harness.ts';
import { EXIT_CODE_ANNOTATION, READY_ANNOTATION, RUN_MS_ANNOTATION } from './agents-support/hollow-nodes.ts';
import { startWorkloadCluster, type WorkloadCluster } from './agents-support/workload-cluster.ts';

let cluster: WorkloadCluster | undefined;
const env = setupOnce(
  async () =>
    (cluster = await startWorkloadCluster({
      nodes: [{ name: 'node-a' }, { name: 'node-b', labels: { disk: 'ssd' } }, { name: 'node-c', taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] }, { name: 'node-d', unschedulable: true }],
      // The CronJob controller runs in the test process instead, on a manual clock.
      managerFlags: ['--job-pod-failure-backoff=200ms', '--controllers=*,-cronjob'],
    })),
);
afterAll(async () => cluster?.stop(), 60_000);

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const NS = 'default';
const container = (image = 'busybox'): Record<string, unknown> => ({ containers: [{ name: 'c', image }] });
const isReady = (p: Obj): boolean => ((p.status?.conditions ?? []) as { type: string; status: string }[]).some((c) => c.type === 'Ready' && c.status === 'True');
const live = (pods: Obj[]): Obj[] => pods.filter((p) => p.metadata?.deletionTimestamp === undefined);

async function podsOf(c: WorkloadCluster, selector: string): Promise<Obj[]> {
  return live((await c.resource<Obj>(RESOURCES.pods).list(NS, { labelSelector: selector })).items);
}

function podWatcher(c: WorkloadCluster, selector: string, onChange: (pods: Obj[], changed: Obj, type: 'add' | 'update' | 'delete') => void): SharedInformer<Obj> {
  const informer = new SharedInformer<Obj>(listerWatcher(c.resource<Obj>(RESOURCES.pods), NS, { labelSelector: selector }));
  informer.addEventHandler({
    onAdd: (p) => onChange(informer.indexer.list(), p, 'add'),
    onUpdate: (_, p) => onChange(informer.indexer.list(), p, 'update'),
    onDelete: (p) => onChange(informer.indexer.list(), p, 'delete'),
  });
  informer.run();
  return informer;
}

describe('DaemonSet', () => {
  it('runs one pod per eligible node, follows node labels, and rolls updates one node at a time', async () => {
    const c = env();
    const dss = c.resource<Obj>(RESOURCES.daemonsets);
    await dss.create(NS, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: container() } } });
    await dss.create(NS, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'ssd' },
      spec: { selector: { matchLabels: { app: 'ssd' } }, template: { metadata: { labels: { app: 'ssd' } }, spec: { ...container(), nodeSelector: { disk: 'ssd' } } } },
    });
    // The tainted node is skipped; the unschedulable one is not (daemon pods tolerate it).
    const nodesOf = (pods: Obj[]): string[] => pods.map((p) => String(p.spec?.nodeName ?? '')).sort();
    await eventually('agent pods on a, b, d', async () => {
      const pods = await podsOf(c, 'app=agent');
      return pods.length === 3 && pods.every(isReady) && nodesOf(pods).join() === 'node-a,node-b,node-d';
    }, 60_000);
    const pod = (await podsOf(c, 'app=agent'))[0];
    const terms = (pod.spec?.affinity as { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } } }).nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName] }] }]);
    await eventually('agent status', async () => {
      const s = (await dss.get(NS, 'agent')).status ?? {};
      return s.desiredNumberScheduled === 3 && s.currentNumberScheduled === 3 && s.numberReady === 3 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3 && s.observedGeneration === 1;
    }, 30_000);

    await eventually('ssd pod only on node-b', async () => nodesOf(await podsOf(c, 'app=ssd')).join() === 'node-b', 60_000);
    expect((await c.kubectl(['label', 'node', 'node-a', 'disk=ssd'])).code).toBe(0);
    await eventually('ssd pod on node-a too', async () => nodesOf(await podsOf(c, 'app=ssd')).join() === 'node-a,node-b', 60_000);
    expect((await c.kubectl(['label', 'node', 'node-a', 'disk-'])).code).toBe(0);
    await eventually('ssd pod gone from node-a', async () => nodesOf(await podsOf(c, 'app=ssd')).join() === 'node-b', 60_000);

    // Rolling update, maxUnavailable 1: after the first pod goes, at least 2 of 3 stay ready throughout.
    let minReady = 3;
    let measuring = false;
    const watcher = podWatcher(c, 'app=agent', (pods) => {
      if (measuring) minReady = Math.min(minReady, live(pods).filter(isReady).length);
    });
    await watcher.waitForSync();
    measuring = true;
    expect((await c.kubectl(['set', 'image', 'daemonset/agent', 'c=busybox:2'])).code).toBe(0);
    await eventually('all agent pods updated', async () => {
      const pods = await podsOf(c, 'app=agent');
      return pods.length === 3 && pods.every((p) => (p.spec?.containers as { image: string }[])[0].image === 'busybox:2' && isReady(p));
    }, 90_000);
    await eventually('rollout status', async () => (await c.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=5s'])).stdout.includes('successfully rolled out'), 60_000);
    await watcher.stop();
    expect(minReady).toBeGreaterThanOrEqual(2);
  });
});

describe('Job', () => {
  it('runs completions with parallelism and completes', async () => {
    const c = env();
    const jobs = c.resource<Obj>(RESOURCES.jobs);
    let maxActive = 0;
    const watcher = podWatcher(c, 'job-name=work', (pods) => (maxActive = Math.max(maxActive, live(pods).filter((p) => !['Succeeded', 'Failed'].includes(String(p.status?.phase))).length)));
    await jobs.create(NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'work' },
      spec: { completions: 3, parallelism: 2, template: { metadata: { annotations: { [EXIT_CODE_ANNOTATION]: '0', [RUN_MS_ANNOTATION]: '300' } }, spec: { ...container(), restartPolicy: 'Never' } } },
    });
    const done = await eventually('Complete', async () => {
      const job = await jobs.get(NS, 'work');
      return ((job.status?.conditions ?? []) as { type: string; status: string }[]).some((x) => x.type === 'Complete' && x.status === 'True') ? job : false;
    }, 90_000);
    expect(done.status).toMatchObject({ succeeded: 3 });
    expect(done.status?.active).toBeUndefined();
    expect(Date.parse(String(done.status?.completionTime))).toBeGreaterThanOrEqual(Date.parse(String(done.status?.startTime)));
    expect((await c.kubectl(['get', 'job', 'work'])).stdout).toMatch(/^work\s+(Complete\s+)?3\/3\s/m);
    await watcher.stop();
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(maxActive).toBeGreaterThanOrEqual(1);
  });

  it('fails with BackoffLimitExceeded after backoffLimit failures', async () => {
    const c = env();
    const jobs = c.resource<Obj>(RESOURCES.jobs);
    await jobs.create(NS, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'flaky' },
      spec: { backoffLimit: 2, template: { metadata: { annotations: { [EXIT_CODE_ANNOTATION]: '1', [RUN_MS_ANNOTATION]: '100' } }, spec: { ...container(), restartPolicy: 'Never' } } },
    });
    const failed = await eventually('Failed', async () => {
      const job = await jobs.get(NS, 'flaky');
      return ((job.status?.conditions ?? []) as { type: string; status: string }[]).some((x) => x.type === 'Failed') ? job : false;
    }, 90_000);
    expect(failed.status?.conditions).toEqual([expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' })]);
    expect(failed.status?.failed).toBe(3);
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds and deletes its running pods', async () => {
    const c = env();
    const jobs = c.resource<Obj>(RESOURCES.jobs);
    await jobs.create(NS, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'slow' }, spec: { activeDeadlineSeconds: 2, parallelism: 2, completions: 4, template: { spec: { ...container(), restartPolicy: 'Never' } } } });
    await eventually('2 running pods', async () => (await podsOf(c, 'job-name=slow')).filter(isReady).length === 2, 60_000);
    const failed = await eventually('DeadlineExceeded', async () => {
      const job = await jobs.get(NS, 'slow');
      return ((job.status?.conditions ?? []) as { reason?: string }[]).some((x) => x.reason === 'DeadlineExceeded') ? job : false;
    }, 60_000);
    expect(failed.status?.conditions).toEqual([expect.objectContaining({ type: 'Failed', status: 'True', message: 'Job was active longer than specified deadline' })]);
    await eventually('pods deleted', async () => (await podsOf(c, 'job-name=slow')).length === 0, 60_000);
  });
});

describe('StatefulSet', () => {
  it('OrderedReady: creates in order after readiness, scales down in reverse, rolls updates above the partition', async () => {
    const c = env();
    const order: string[] = [];
    const violations: string[] = [];
    const watcher = podWatcher(c, 'app=db', (pods, changed, type) => {
      const name = changed.metadata?.name ?? '';
      const ordinal = Number(name.split('-').pop());
      if (type === 'add') {
        order.push(`+${name}`);
        const notReadyBelow = pods.filter((p) => Number((p.metadata?.name ?? '').split('-').pop()) < ordinal && !isReady(p));
        if (notReadyBelow.length > 0) violations.push(`${name} created while ${notReadyBelow.map((p) => p.metadata?.name).join()} not ready`);
      } else if (type === 'delete') order.push(`-${name}`);
    });
    await watcher.waitForSync();
    const sets = c.resource<Obj>(RESOURCES.statefulsets);
    await sets.create(NS, { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db' }, spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: container('db:1') } } });
    await eventually('3 ready', async () => (await podsOf(c, 'app=db')).filter(isReady).length === 3, 90_000);
    expect(order).toEqual(['+db-0', '+db-1', '+db-2']);
    const db1 = (await podsOf(c, 'app=db')).find((p) => p.metadata?.name === 'db-1') as Obj;
    expect(db1.spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
    expect(db1.metadata?.labels?.['statefulset.kubernetes.io/pod-name']).toBe('db-1');

    // Rolling update with partition 1: db-2 then db-1 get the new template, db-0 keeps the old one.
    // A merge patch, not get + update: the controller writes the set's status meanwhile, and an update carrying the
    // read resourceVersion would then be refused with 409 Conflict (as Kubernetes does).
    await sets.patch(NS, 'db', 'merge', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } }, template: { metadata: { labels: { app: 'db' } }, spec: container('db:2') } } });
    await eventually('db-1 and db-2 updated', async () => {
      const s = (await sets.get(NS, 'db')).status ?? {};
      const pods = await podsOf(c, 'app=db');
      const image = (n: string): string => ((pods.find((p) => p.metadata?.name === n)?.spec?.containers as { image: string }[] | undefined)?.[0].image ?? '');
      return s.updatedReplicas === 2 && s.readyReplicas === 3 && image('db-0') === 'db:1' && image('db-1') === 'db:2' && image('db-2') === 'db:2';
    }, 90_000);
    const status = (await sets.get(NS, 'db')).status ?? {};
    expect(status.currentRevision).not.toBe(status.updateRevision);
    expect(order.slice(3)).toEqual(['-db-2', '+db-2', '-db-1', '+db-1']);

    // Scale down with kubectl: highest ordinal first.
    order.length = 0;
    expect((await c.kubectl(['scale', 'statefulset', 'db', '--replicas=1'])).stdout.trim()).toBe('statefulset.apps/db scaled');
    await eventually('db-1 gone', () => order.includes('-db-1'), 90_000);
    expect(order).toEqual(['-db-2', '-db-1']);
    expect((await podsOf(c, 'app=db')).map((p) => p.metadata?.name)).toEqual(['db-0']);
    await watcher.stop();
    expect(violations).toEqual([]);
  });

  it('Parallel creates every ordinal without waiting for readiness', async () => {
    const c = env();
    const sets = c.resource<Obj>(RESOURCES.statefulsets);
    await sets.create(NS, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'par' },
      spec: { replicas: 3, podManagementPolicy: 'Parallel', serviceName: 'par', selector: { matchLabels: { app: 'par' } }, template: { metadata: { labels: { app: 'par' }, annotations: { [READY_ANNOTATION]: 'false' } }, spec: container() } },
    });
    await eventually('3 unready pods', async () => (await podsOf(c, 'app=par')).map((p) => p.metadata?.name).sort().join() === 'par-0,par-1,par-2', 60_000);
    expect((await podsOf(c, 'app=par')).some(isReady)).toBe(false);
  });
});

describe('CronJob (in-process controller on a manual clock)', () => {
  it('creates <cronjob>-<minutes> Jobs on schedule; Forbid skips while one runs; Replace replaces it', async () => {
    const c = env();
    const clock = new ManualClock(Date.now());
    const informers = new InformerFactory(c.client, { clock: realClock, logger: silentLogger(), resyncPeriodMs: 0 });
    const ctx = { api: c.client, informers, clock, logger: silentLogger(), events: apiEventSink(c.client, clock, silentLogger(), 'test'), options: DEFAULT_CONTROLLER_OPTIONS };
    const controller = cronJobController.create(ctx);
    informers.start();
    await informers.waitForSync();
    controller.run();
    try {
      const cronJobs = c.resource<Obj>(RESOURCES.cronjobs);
      const jobs = c.resource<Obj>(RESOURCES.jobs);
      await cronJobs.create(NS, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'tick' },
        spec: { schedule: '*/5 * * * *', concurrencyPolicy: 'Forbid', jobTemplate: { spec: { template: { spec: { ...container(), restartPolicy: 'Never' } } } } },
      });
      const FIVE_MIN = 5 * 60_000;
      const first = Math.floor(clock.now() / FIVE_MIN) * FIVE_MIN + FIVE_MIN;
      const jobNames = async (): Promise<string[]> => (await jobs.list(NS)).items.filter((j) => j.metadata?.deletionTimestamp === undefined && j.metadata?.name?.startsWith('tick-')).map((j) => j.metadata?.name ?? '').sort();
      // The first reconcile queues the CronJob for its next activation on the manual clock.
      await eventually('requeued for the schedule', () => clock.pendingTimers() > 0, 30_000);
      expect(await jobNames()).toEqual([]);
      clock.advance(first + 1_000 - clock.now());
      await eventually('first Job', async () => (await jobNames()).join() === `tick-${first / 60_000}`, 30_000);
      await eventually('status', async () => {
        const s = (await cronJobs.get(NS, 'tick')).status ?? {};
        return s.lastScheduleTime === new Date(first).toISOString().replace('.000Z', 'Z') && (s.active as unknown[] | undefined)?.length === 1;
      }, 30_000);

      // Forbid: the next activation passes while the first Job still runs; nothing new.
      // advance() fires the requeue timer synchronously; the pass that follows queues the next one when done.
      clock.advance(FIVE_MIN);
      expect(clock.pendingTimers()).toBe(0);
      await eventually('the pass at the second activation finished', () => clock.pendingTimers() > 0, 30_000);
      expect(await jobNames()).toEqual([`tick-${first / 60_000}`]);

      // Replace: the running Job gives way to the one for the latest activation.
      await cronJobs.patch(NS, 'tick', 'merge', { spec: { concurrencyPolicy: 'Replace' } });
      await eventually('replaced', async () => (await jobNames()).join() === `tick-${(first + FIVE_MIN) / 60_000}`, 30_000);
    } finally {
      await controller.stop();
      await informers.stop();
    }
  });
});
