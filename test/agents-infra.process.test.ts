// The infrastructure controllers in `bin/barque controller-manager`, with `bin/barque scheduler` and hollow nodes, on
// `bin/barque apiserver` over etcd 3.4: Endpoints and EndpointSlices from pods, the default ServiceAccount, the
// garbage collector's three propagation policies, namespace deletion, and a node that goes silent — Unknown,
// unreachable taints, its pods evicted after their tolerationSeconds and replaced elsewhere, then deleted with its
// pods once its machine is gone.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { isNotFound, RESOURCES, type ResourceClient } from '../src/agents/client/index.ts';
import { setupOnce } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { READY_ANNOTATION } from './agents-support/hollow-nodes.ts';
import { NODE_MONITOR_GRACE_S, startInfraCluster, type InfraCluster } from './agents-support/infra-cluster.ts';

type Obj = Record<string, unknown>;
const NS = 'infra';

let cluster: InfraCluster | undefined;
const setup = setupOnce(async () => {
  cluster = await startInfraCluster([{ name: 'n1', labels: { zone: 'a' } }, { name: 'n2', labels: { zone: 'b' } }]);
  await cluster.resource(RESOURCES.namespaces).create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  return cluster;
});

afterAll(async () => {
  await cluster?.stop();
});

const c = (): InfraCluster => setup();
const res = (ref: (typeof RESOURCES)[keyof typeof RESOURCES]): ResourceClient<KubeObject> => c().resource(ref);

async function gone(ref: (typeof RESOURCES)[keyof typeof RESOURCES], ns: string, name: string, timeoutMs = 60_000): Promise<void> {
  await eventually(`${ref.resource} ${ns}/${name} to be gone`, async () => {
    try {
      await res(ref).get(ns, name);
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }, timeoutMs, 100);
}

function pod(name: string, labels: Record<string, string>, spec: Obj = {}, annotations: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels, annotations }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } };
}

const withPort = (name: string, containerPort: number): Obj => ({ containers: [{ name: 'c', image: 'busybox', ports: [{ name, containerPort }] }] });

async function running(ns: string, name: string): Promise<KubeObject> {
  return eventually(`${ns}/${name} running`, async () => {
    const p = await res(RESOURCES.pods).get(ns, name);
    return (p.status as Obj | undefined)?.phase === 'Running' ? p : false;
  }, 60_000, 100);
}

describe('infrastructure controllers', () => {
  it('Endpoints and EndpointSlices follow the pods a Service selects, with named target ports', async () => {
    setup();
    await res(RESOURCES.services).create(NS, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await res(RESOURCES.pods).create(NS, pod('web-1', { app: 'web' }, withPort('http', 8080)));
    await res(RESOURCES.pods).create(NS, pod('web-2', { app: 'web' }, withPort('http', 8081)));
    await res(RESOURCES.pods).create(NS, pod('web-unready', { app: 'web' }, withPort('http', 8080), { [READY_ANNOTATION]: 'false' }));
    await res(RESOURCES.pods).create(NS, pod('other', { app: 'other' }, withPort('http', 8080)));
    const ips = Object.fromEntries(await Promise.all(['web-1', 'web-2', 'web-unready'].map(async (n) => [n, String(((await running(NS, n)).status as Obj).podIP)])));

    const ep = await eventually('endpoints with three pods', async () => {
      const e = await res(RESOURCES.endpoints).get(NS, 'web').catch(() => null);
      const subsets = (e?.subsets ?? []) as Obj[];
      const count = subsets.reduce((n, s) => n + ((s.addresses as unknown[] | undefined)?.length ?? 0) + ((s.notReadyAddresses as unknown[] | undefined)?.length ?? 0), 0);
      return count === 3 ? e : false;
    });
    expect(ep?.metadata?.labels).toEqual({ tier: 'front' });
    const subsets = ep?.subsets as Obj[];
    const byPort = (port: number): Obj | undefined => subsets.find((s) => (s.ports as Obj[])[0].port === port);
    expect(byPort(8080)).toMatchObject({
      addresses: [{ ip: ips['web-1'], nodeName: expect.any(String), targetRef: { kind: 'Pod', namespace: NS, name: 'web-1' } }],
      notReadyAddresses: [{ ip: ips['web-unready'], targetRef: { name: 'web-unready' } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    expect(byPort(8081)).toMatchObject({ addresses: [{ ip: ips['web-2'] }], ports: [{ name: 'http', port: 8081, protocol: 'TCP' }] });

    const slices = await eventually('slices with three endpoints', async () => {
      const list = (await res(RESOURCES.endpointslices).list(NS, { labelSelector: 'kubernetes.io/service-name=web' })).items;
      return list.reduce((n, s) => n + ((s.endpoints as unknown[]).length ?? 0), 0) === 3 ? list : false;
    });
    const svc = await res(RESOURCES.services).get(NS, 'web');
    for (const s of slices) {
      expect(s).toMatchObject({
        addressType: 'IPv4',
        metadata: { labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', tier: 'front' } },
      });
      expect(s.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata?.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const endpoints = slices.flatMap((s) => (s.endpoints as Obj[]).map((e): Obj => ({ ...e, port: (s.ports as Obj[])[0].port })));
    expect(endpoints.find((e) => (e.targetRef as Obj).name === 'web-unready')).toMatchObject({ addresses: [ips['web-unready']], conditions: { ready: false, serving: false, terminating: false }, port: 8080 });
    expect(endpoints.find((e) => (e.targetRef as Obj).name === 'web-2')).toMatchObject({ conditions: { ready: true, serving: true, terminating: false }, port: 8081 });

    await res(RESOURCES.pods).delete(NS, 'web-1', { gracePeriodSeconds: 0 });
    await eventually('web-1 out of the endpoints', async () => !JSON.stringify((await res(RESOURCES.endpoints).get(NS, 'web')).subsets).includes(ips['web-1']));
    await eventually('web-1 out of the slices', async () => !JSON.stringify((await res(RESOURCES.endpointslices).list(NS, { labelSelector: 'kubernetes.io/service-name=web' })).items).includes(ips['web-1']));
    await res(RESOURCES.services).delete(NS, 'web');
    await gone(RESOURCES.endpoints, NS, 'web');
    await eventually('slices gone', async () => (await res(RESOURCES.endpointslices).list(NS, { labelSelector: 'kubernetes.io/service-name=web' })).items.length === 0);
  });

  it('every namespace gets a default ServiceAccount, recreated when deleted', async () => {
    setup();
    await eventually('default SA in infra', async () => res(RESOURCES.serviceaccounts).get(NS, 'default'));
    await res(RESOURCES.serviceaccounts).delete(NS, 'default');
    await eventually('default SA recreated', async () => res(RESOURCES.serviceaccounts).get(NS, 'default'));
  });

  it('garbage collection: background, foreground (dependents first) and orphan', async () => {
    setup();
    const cms = res(RESOURCES.configmaps);
    const make = async (name: string, owner?: KubeObject, extra: Obj = {}): Promise<KubeObject> => {
      const ownerReferences = owner === undefined ? undefined : [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata?.name, uid: owner.metadata?.uid, blockOwnerDeletion: true }];
      return cms.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ownerReferences, ...extra }, data: {} });
    };
    // Background: the owner goes at once, its dependents (and theirs) after it.
    const bg = await make('bg-owner');
    const bgChild = await make('bg-child', bg);
    await make('bg-grandchild', bgChild);
    await cms.delete(NS, 'bg-owner');
    await gone(RESOURCES.configmaps, NS, 'bg-child');
    await gone(RESOURCES.configmaps, NS, 'bg-grandchild');
    // Foreground: the owner waits (Terminating) for a blocking dependent held by a finalizer.
    const fg = await make('fg-owner');
    await make('fg-held', fg, { finalizers: ['test.barque.dev/hold'] });
    await make('fg-child', fg);
    await cms.delete(NS, 'fg-owner', { propagationPolicy: 'Foreground' });
    await gone(RESOURCES.configmaps, NS, 'fg-child');
    const held = await eventually('fg-held being deleted', async () => {
      const h = await cms.get(NS, 'fg-held');
      return h.metadata?.deletionTimestamp !== undefined ? h : false;
    });
    const owner = await cms.get(NS, 'fg-owner');
    expect(owner.metadata).toMatchObject({ deletionTimestamp: expect.any(String), finalizers: ['foregroundDeletion'] });
    await cms.update(NS, 'fg-held', { ...held, metadata: { ...held.metadata, finalizers: [] } });
    await gone(RESOURCES.configmaps, NS, 'fg-owner');
    // Orphan: dependents stay, without the reference.
    const orphanOwner = await make('orphan-owner');
    await make('orphan-child', orphanOwner);
    await cms.delete(NS, 'orphan-owner', { propagationPolicy: 'Orphan' });
    await gone(RESOURCES.configmaps, NS, 'orphan-owner');
    const child = await cms.get(NS, 'orphan-child');
    expect(child.metadata?.ownerReferences ?? []).toEqual([]);
    // A reference to an owner that never existed is dangling: the dependent goes.
    await cms.create(NS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dangling', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'nobody', uid: '00000000-0000-0000-0000-000000000000' }] } });
    await gone(RESOURCES.configmaps, NS, 'dangling');
  });

  it('a Terminating namespace is emptied and finalized', async () => {
    setup();
    await res(RESOURCES.namespaces).create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'short-lived' } });
    await res(RESOURCES.configmaps).create('short-lived', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' } });
    await res(RESOURCES.pods).create('short-lived', pod('p', { app: 'x' }));
    await running('short-lived', 'p');
    await res(RESOURCES.namespaces).delete('', 'short-lived');
    await gone(RESOURCES.namespaces, '', 'short-lived');
  });

  it('a NoExecute taint evicts pods that do not tolerate it at once, and spares those that do', async () => {
    setup();
    await res(RESOURCES.pods).create(NS, pod('intolerant', {}, { nodeName: 'n2' }));
    await res(RESOURCES.pods).create(NS, pod('tolerant', {}, { nodeName: 'n2', tolerations: [{ key: 'evict', operator: 'Exists', effect: 'NoExecute' }] }));
    await Promise.all([running(NS, 'intolerant'), running(NS, 'tolerant')]);
    const setTaints = async (taints: Obj[]): Promise<void> => {
      const node = await res(RESOURCES.nodes).get('', 'n2');
      await res(RESOURCES.nodes).update('', 'n2', { ...node, spec: { ...(node.spec as Obj), taints } });
    };
    await setTaints([{ key: 'evict', value: 'now', effect: 'NoExecute' }]);
    await gone(RESOURCES.pods, NS, 'intolerant');
    expect((await res(RESOURCES.pods).get(NS, 'tolerant')).metadata?.deletionTimestamp).toBeUndefined();
    await setTaints([]);
    await res(RESOURCES.pods).delete(NS, 'tolerant', { gracePeriodSeconds: 0 });
  });

  it('a silent node turns Unknown and unreachable; its pods are evicted after tolerationSeconds and replaced; a node whose machine is gone is deleted with its pods', async () => {
    setup();
    const doomed = await c().addNodes([{ name: 'doomed', labels: { zone: 'c' } }]);
    const tolerations = [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }];
    const preferDoomed = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['doomed'] }] } }] } };
    await c().resource(RESOURCES.replicasets).create(NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'survivor' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'survivor' } }, template: { metadata: { labels: { app: 'survivor' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], tolerations, affinity: preferDoomed } } },
    });
    const first = await eventually('the survivor pod running on doomed', async () => {
      const pods = (await res(RESOURCES.pods).list(NS, { labelSelector: 'app=survivor' })).items;
      return pods.find((p) => (p.spec as Obj).nodeName === 'doomed' && (p.status as Obj | undefined)?.phase === 'Running');
    });
    await res(RESOURCES.pods).create(NS, pod('patient', {}, { nodeName: 'doomed' }));
    await running(NS, 'patient');

    await doomed.stop();
    const node = await eventually('doomed Unknown and tainted', async () => {
      const n = await res(RESOURCES.nodes).get('', 'doomed');
      const ready = ((n.status as Obj).conditions as Obj[]).find((x) => x.type === 'Ready');
      const taints = ((n.spec as Obj).taints ?? []) as Obj[];
      return ready?.status === 'Unknown' && taints.length === 2 ? { ready, taints } : false;
    }, (NODE_MONITOR_GRACE_S + 30) * 1000);
    expect(node.ready).toMatchObject({ reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(node.taints.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);

    await eventually('the survivor pod evicted', async () => (await res(RESOURCES.pods).get(NS, first.metadata?.name ?? '')).metadata?.deletionTimestamp !== undefined, 30_000);
    const replacement = await eventually('a replacement running elsewhere', async () => {
      const pods = (await res(RESOURCES.pods).list(NS, { labelSelector: 'app=survivor' })).items;
      return pods.find((p) => p.metadata?.uid !== first.metadata?.uid && (p.status as Obj | undefined)?.phase === 'Running');
    });
    expect(['n1', 'n2']).toContain((replacement.spec as Obj).nodeName);
    // The default 300 s toleration keeps the other pod for now.
    expect((await res(RESOURCES.pods).get(NS, 'patient')).metadata?.deletionTimestamp).toBeUndefined();

    rmSync(join(c().machineDir, 'doomed'));
    await gone(RESOURCES.nodes, '', 'doomed');
    await gone(RESOURCES.pods, NS, 'patient');
    await gone(RESOURCES.pods, NS, first.metadata?.name ?? '');
  });
});
