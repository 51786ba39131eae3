// The scheduler as a process (`bin/barque scheduler`) against `bin/barque apiserver` on etcd 3.4, with Node objects
// written through the API (no kubelet needed to schedule). Every filter decides a placement or produces Kubernetes'
// FitError message on PodScheduled=False and a FailedScheduling event; a parked pod is scheduled once a node that
// fits appears or a pod in its way is deleted.
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { ApiClient, RESOURCES, type ResourceClient } from '../src/agents/client/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually, startApiserverProcess, type ApiserverProcess } from './apiserver-grpc-process.ts';
import { PATIENT_LEADER_ELECTION } from './agents-support/infra-cluster.ts';
import { startScheduler, type SchedulerProcess } from './agents-support/scheduler-process.ts';

const NS = 'sched';
const TOLERATE_ALL = [{ operator: 'Exists' }];
type Obj = Record<string, unknown>;

interface Env {
  etcd: EtcdCluster;
  apiserver: ApiserverProcess;
  client: ApiClient;
  scheduler: SchedulerProcess;
  pods: ResourceClient<KubeObject>;
  nodes: ResourceClient<KubeObject>;
}

let env: Env | undefined;
const setup = setupOnce(async () => {
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  try {
    const apiserver = await startApiserverProcess(etcd.clientUrls());
    const client = new ApiClient({ endpoints: [apiserver.grpcAddress], userAgent: 'scheduler-test' });
    const scheduler = await startScheduler([apiserver.grpcAddress], 'sched-a', PATIENT_LEADER_ELECTION);
    env = { etcd, apiserver, client, scheduler, pods: client.resource(RESOURCES.pods), nodes: client.resource(RESOURCES.nodes) };
    await client.resource(RESOURCES.namespaces).create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await addNode('n1', { labels: { zone: 'a', disk: 'ssd' }, cpu: '2' });
    await addNode('n2', { labels: { zone: 'b' }, cpu: '2', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    await addNode('n3', { labels: { zone: 'b' }, cpu: '4', unschedulable: true });
    await scheduler.leading;
    return env;
  } catch (err) {
    await etcd.cleanup();
    throw err;
  }
});

const standbys: SchedulerProcess[] = [];

afterAll(async () => {
  for (const s of standbys) await s.stop('SIGKILL');
  await env?.scheduler.stop();
  env?.client.close();
  await env?.apiserver.stop();
  await env?.etcd.cleanup();
});

async function addNode(name: string, o: { labels?: Record<string, string>; cpu: string; taints?: Obj[]; unschedulable?: boolean }): Promise<void> {
  const e = env as Env;
  const spec: Obj = {};
  if (o.taints !== undefined) spec.taints = o.taints;
  if (o.unschedulable === true) spec.unschedulable = true;
  const created = await e.nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } }, spec });
  const allocatable = { cpu: o.cpu, memory: '4Gi', pods: '110' };
  await e.nodes.updateStatus('', name, { ...created, status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
}

function podSpec(o: { cpu?: string; labels?: Record<string, string>; spec?: Obj; hostPort?: number }): { labels: Record<string, string>; spec: Obj } {
  const container: Obj = { name: 'c', image: 'busybox' };
  if (o.cpu !== undefined) container.resources = { requests: { cpu: o.cpu } };
  if (o.hostPort !== undefined) container.ports = [{ containerPort: 80, hostPort: o.hostPort }];
  return { labels: o.labels ?? {}, spec: { containers: [container], ...o.spec } };
}

async function createPod(name: string, o: Parameters<typeof podSpec>[0] = {}): Promise<void> {
  const { labels, spec } = podSpec(o);
  await (env as Env).pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec });
}

async function nodeOf(name: string): Promise<string> {
  return eventually(`${name} to be bound`, async () => String(((await (env as Env).pods.get(NS, name)).spec as Obj).nodeName ?? '') || false, 60_000, 100);
}

async function unschedulable(name: string): Promise<string> {
  return eventually(`${name} to be marked unschedulable`, async () => {
    const pod = await (env as Env).pods.get(NS, name);
    const cond = ((pod.status as Obj | undefined)?.conditions as Obj[] | undefined)?.find((c) => c.type === 'PodScheduled');
    return cond?.status === 'False' && cond.reason === 'Unschedulable' ? String(cond.message) : false;
  }, 60_000, 100);
}

async function eventsFor(name: string): Promise<Obj[]> {
  const list = await (env as Env).client.resource(RESOURCES.events).list(NS, { fieldSelector: `involvedObject.name=${name}` });
  return list.items as Obj[];
}

async function deletePod(name: string): Promise<void> {
  await (env as Env).pods.delete(NS, name, { gracePeriodSeconds: 0 });
}

const ELSEWHERE = '1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable';

describe('scheduler process', () => {
  it('binds a pod, sets PodScheduled=True and records a Scheduled event', async () => {
    setup();
    await createPod('plain', { cpu: '100m' });
    expect(await nodeOf('plain')).toBe('n1');
    const events = await eventually('a Scheduled event', async () => (await eventsFor('plain')).find((e) => e.reason === 'Scheduled'));
    expect(events).toMatchObject({ type: 'Normal', message: 'Successfully assigned sched/plain to n1', source: { component: 'default-scheduler' }, involvedObject: { kind: 'Pod', name: 'plain' } });
  });

  it('NodeUnschedulable, TaintToleration and nodeSelector: the FitError message and a FailedScheduling event', async () => {
    setup();
    await createPod('nowhere', { spec: { nodeSelector: { disk: 'nvme' } } });
    const message = await unschedulable('nowhere');
    expect(message).toBe(`0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${ELSEWHERE}.`);
    const failed = await eventually('a FailedScheduling event', async () => (await eventsFor('nowhere')).find((e) => e.reason === 'FailedScheduling'));
    expect(failed).toMatchObject({ type: 'Warning', message });
    await deletePod('nowhere');
  });

  it('tolerations open tainted and cordoned nodes', async () => {
    setup();
    await createPod('gpu', { spec: { nodeSelector: { zone: 'b' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
    await createPod('cordon-ok', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'n3' }, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
    await createPod('wrong-value', { spec: { nodeSelector: { zone: 'b' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'tpu', effect: 'NoSchedule' }] } });
    expect(await nodeOf('gpu')).toBe('n2');
    expect(await nodeOf('cordon-ok')).toBe('n3');
    expect(await unschedulable('wrong-value')).toBe(`0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${ELSEWHERE}.`);
    await Promise.all(['gpu', 'cordon-ok', 'wrong-value'].map(deletePod));
  });

  it('NodeAffinity: required terms filter, preferred terms decide among feasible nodes', async () => {
    setup();
    const required = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } };
    await createPod('not-a', { spec: { affinity: required, tolerations: [{ key: 'dedicated', operator: 'Exists' }] } });
    expect(await nodeOf('not-a')).toBe('n2');
    for (const [name, zone] of [['prefers-a', 'a'], ['prefers-b', 'b']]) {
      const preferred = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: [zone] }] } }] } };
      await createPod(name, { spec: { affinity: preferred, tolerations: TOLERATE_ALL } });
    }
    expect(await nodeOf('prefers-a')).toBe('n1');
    expect(['n2', 'n3']).toContain(await nodeOf('prefers-b'));
    await Promise.all(['not-a', 'prefers-a', 'prefers-b'].map(deletePod));
  });

  it('NodeResourcesFit counts bound and assumed pods; a pod deletion frees room for a parked pod', async () => {
    setup();
    await createPod('too-big', { cpu: '3' });
    expect(await unschedulable('too-big')).toBe(`0/3 nodes are available: 1 Insufficient cpu, ${ELSEWHERE}.`);
    // Created back to back: the second is scheduled while the first is assumed or just bound; only one fits n1.
    await createPod('half-1', { cpu: '1500m' });
    await createPod('half-2', { cpu: '1500m' });
    const first = await eventually('one of the two bound', async () => {
      const [a, b] = await Promise.all(['half-1', 'half-2'].map(async (n) => ((await (env as Env).pods.get(NS, n)).spec as Obj).nodeName));
      return a !== undefined ? 'half-1' : b !== undefined ? 'half-2' : false;
    });
    const second = first === 'half-1' ? 'half-2' : 'half-1';
    expect(await unschedulable(second)).toBe(`0/3 nodes are available: 1 Insufficient cpu, ${ELSEWHERE}.`);
    await deletePod(first);
    expect(await nodeOf(second)).toBe('n1');
    await Promise.all(['too-big', second].map(deletePod));
  });

  it('NodePorts: a host port is given out once per node', async () => {
    setup();
    await createPod('port-1', { hostPort: 8080, spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' } } });
    expect(await nodeOf('port-1')).toBe('n1');
    await createPod('port-2', { hostPort: 8080, spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' } } });
    expect(await unschedulable('port-2')).toBe(`0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, ${ELSEWHERE}.`);
    await createPod('port-other', { hostPort: 8081, spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' } } });
    expect(await nodeOf('port-other')).toBe('n1');
    await Promise.all(['port-1', 'port-2', 'port-other'].map(deletePod));
  });

  it('PodTopologySpread: DoNotSchedule keeps zones within maxSkew; a missing topology label is its own reason', async () => {
    setup();
    const constraint = { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } };
    const zones: string[] = [];
    for (let i = 0; i < 4; i++) {
      await createPod(`spread-${i}`, { labels: { app: 'spread' }, spec: { topologySpreadConstraints: [constraint], tolerations: TOLERATE_ALL } });
      zones.push((await nodeOf(`spread-${i}`)) === 'n1' ? 'a' : 'b');
      const a = zones.filter((z) => z === 'a').length;
      expect(Math.abs(a - (zones.length - a)), `zones so far: ${zones.join(',')}`).toBeLessThanOrEqual(1);
    }
    // zone a is full for skew 1 only if pinned there: a pod pinned to zone a with a:2, b:2 is still allowed (2+1-2 = 1).
    await createPod('spread-rack', { labels: { app: 'spread' }, spec: { topologySpreadConstraints: [{ ...constraint, topologyKey: 'rack' }], tolerations: TOLERATE_ALL } });
    expect(await unschedulable('spread-rack')).toBe("0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints (missing required label).");
    await Promise.all([0, 1, 2, 3].map((i) => deletePod(`spread-${i}`)).concat(deletePod('spread-rack')));
  });

  it('InterPodAffinity: required affinity, anti-affinity and existing pods\u2019 anti-affinity', async () => {
    setup();
    const term = (app: string): Obj => ({ labelSelector: { matchLabels: { app } }, topologyKey: 'kubernetes.io/hostname' });
    await createPod('db', { labels: { app: 'db' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('intruder')] } } } });
    expect(await nodeOf('db')).toBe('n1');
    await createPod('near-db', { spec: { tolerations: TOLERATE_ALL, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
    await createPod('away-from-db', { spec: { tolerations: TOLERATE_ALL, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('db')] } } } });
    expect(await nodeOf('near-db')).toBe('n1');
    expect(['n2', 'n3']).toContain(await nodeOf('away-from-db'));
    await createPod('no-cache', { spec: { tolerations: TOLERATE_ALL, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache')] } } } });
    expect(await unschedulable('no-cache')).toBe("0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
    await createPod('intruder', { labels: { app: 'intruder' }, spec: { nodeSelector: { 'kubernetes.io/hostname': 'n1' } } });
    expect(await unschedulable('intruder')).toBe(`0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, ${ELSEWHERE}.`);
    // The first pod of a group that matches its own affinity term may go anywhere.
    await createPod('first-cache', { labels: { app: 'cache' }, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term('cache')] } } } });
    expect(await nodeOf('first-cache')).toBe('n1');
    expect(await nodeOf('no-cache')).toBe('n1');
    await Promise.all(['db', 'near-db', 'away-from-db', 'no-cache', 'intruder', 'first-cache'].map(deletePod));
  });

  it('NodeName: a pod that names its node is left alone', async () => {
    setup();
    await (env as Env).pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pinned' }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } });
    await createPod('marker', {});
    expect(await nodeOf('marker')).toBe('n1');
    const pinned = await (env as Env).pods.get(NS, 'pinned');
    expect((pinned.spec as Obj).nodeName).toBe('ghost');
    expect((await eventsFor('pinned')).filter((e) => e.source !== undefined && (e.source as Obj).component === 'default-scheduler')).toEqual([]);
    await Promise.all(['pinned', 'marker'].map(deletePod));
  });

  it('an unschedulable pod is scheduled as soon as a fitting node appears', async () => {
    setup();
    await createPod('waits-for-n4', { spec: { nodeSelector: { 'kubernetes.io/hostname': 'n4' } } });
    expect(await unschedulable('waits-for-n4')).toBe(`0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, ${ELSEWHERE}.`);
    await addNode('n4', { labels: { zone: 'c' }, cpu: '1' });
    expect(await nodeOf('waits-for-n4')).toBe('n4');
    const scheduled = await eventually('a Scheduled event', async () => (await eventsFor('waits-for-n4')).find((e) => e.reason === 'Scheduled'));
    expect(scheduled.message).toBe('Successfully assigned sched/waits-for-n4 to n4');
  });

  it('leader election: a standby scheduler takes over when the leader is killed, never both at once', async () => {
    const e = setup();
    const standby = await startScheduler([e.apiserver.grpcAddress], 'sched-b', PATIENT_LEADER_ELECTION);
    standbys.push(standby);
    await createPod('before-failover', {});
    expect(await nodeOf('before-failover')).toBe('n1');
    expect(standby.isLeading()).toBe(false);
    await e.scheduler.stop('SIGKILL');
    // The killed leader's 15 s lease must expire before the standby may lead.
    await eventually('the standby to lead', () => standby.isLeading(), 60_000, 100);
    expect(standby.lines().filter((l) => l.includes('leading as'))).toEqual(['scheduler leading as sched-b']);
    const lease = await e.client.resource(RESOURCES.leases).get('kube-system', 'kube-scheduler');
    expect(lease.spec).toMatchObject({ holderIdentity: 'sched-b', leaseTransitions: 1 });
    await createPod('after-failover', {});
    expect(await nodeOf('after-failover')).toBe('n1');
  });
});
