// ReplicationController, ReplicaSet and Deployment controllers in `bin/barque controller-manager`, against
// `bin/barque apiserver` on real etcd 3.4 with hollow nodes running the pods, driven by real kubectl (Debian's 1.20
// from .cache/reference/bin, and the newer one on PATH when there is one):
// - RC/RS: pods created to match replicas, `kubectl scale rc` end to end, deleted pods recreated, orphans adopted and
//   non-matching pods released through controllerRef, status (ready, available after minReadySeconds,
//   observedGeneration);
// - Deployment: `rollout status` returns when done, `set image` makes a new ReplicaSet <deploy>-<pod-template-hash>
//   within maxSurge, `rollout history`, `rollout undo` restores the old template (reusing its ReplicaSet),
//   pause/resume, revisionHistoryLimit, Recreate, and ProgressDeadlineExceeded;
// - leader election between two controller-managers (last: it kills the first one).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../src/apiserver/index.ts';
import { LEASES, listerWatcher, objectKey, recordOf, RESOURCES, SharedInformer } from '../src/agents/client/index.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { setupOnce } from './apiserver-harness.ts';
import { READY_ANNOTATION } from './agents-support/hollow-nodes.ts';
import { startWorkloadCluster, type WorkloadCluster } from './agents-support/workload-cluster.ts';

let cluster: WorkloadCluster | undefined;
const env = setupOnce(async () => (cluster = await startWorkloadCluster({ nodes: [{ name: 'node-a' }, { name: 'node-b' }] })));
afterAll(async () => cluster?.stop(), 60_000);

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const NS = 'default';

async function podsOf(c: WorkloadCluster, selector: string): Promise<Obj[]> {
  return (await c.resource<Obj>(RESOURCES.pods).list(NS, { labelSelector: selector })).items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

const readyPods = (pods: Obj[]): Obj[] => pods.filter((p) => (p.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True'));

function writeManifest(c: WorkloadCluster, name: string, object: unknown): string {
  const path = join(c.kubeconfig, '..', name);
  writeFileSync(path, JSON.stringify(object));
  return path;
}

describe('ReplicationController', () => {
  it('creates pods, scales with kubectl, recreates deleted pods, adopts orphans and releases non-matching pods', async () => {
    const c = env();
    const rc = {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    };
    const created = await c.kubectl(['create', '-f', writeManifest(c, 'rc.json', rc)]);
    expect(created.stderr).toBe('');
    const rcUid = (await c.resource(RESOURCES.replicationcontrollers).get(NS, 'web')).metadata?.uid;

    await eventually('2 ready pods', async () => readyPods(await podsOf(c, 'app=web')).length === 2, 60_000);
    for (const p of await podsOf(c, 'app=web')) {
      expect(p.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata?.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: rcUid, controller: true, blockOwnerDeletion: true }]);
    }
    await eventually('rc status ready 2', async () => {
      const s = (await c.resource<Obj>(RESOURCES.replicationcontrollers).get(NS, 'web')).status ?? {};
      return s.replicas === 2 && s.readyReplicas === 2 && s.availableReplicas === 2 && s.fullyLabeledReplicas === 2 && s.observedGeneration === 1;
    });

    const scaled = await c.kubectl(['scale', 'rc', 'web', '--replicas=3']);
    expect(scaled.stdout.trim()).toBe('replicationcontroller/web scaled');
    await eventually('3 ready pods', async () => readyPods(await podsOf(c, 'app=web')).length === 3, 60_000);
    await eventually('kubectl get rc shows 3/3', async () => /web\s+3\s+3\s+3\s/.test((await c.kubectl(['get', 'rc', 'web'])).stdout));

    // A deleted pod is replaced by a new one.
    const victim = (await podsOf(c, 'app=web'))[0].metadata?.name ?? '';
    expect((await c.kubectl(['delete', 'pod', victim])).stdout).toContain(`pod "${victim}" deleted`);
    await eventually('a replacement', async () => {
      const pods = readyPods(await podsOf(c, 'app=web'));
      return pods.length === 3 && !pods.some((p) => p.metadata?.name === victim);
    }, 60_000);

    // An orphan that matches is adopted; one pod too many is then deleted (the unscheduled/not-ready one first).
    const pods = c.resource<Obj>(RESOURCES.pods);
    await pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await eventually('3 pods after adopting the stray', async () => {
      const all = await podsOf(c, 'app=web');
      const uids = all.map((p) => (p.metadata?.ownerReferences as { uid: string }[] | undefined)?.[0]?.uid);
      return all.length === 3 && uids.every((u) => u === rcUid);
    }, 60_000);

    // A pod relabelled out of the selector is released (ownerReference removed) and replaced.
    const kept = (await podsOf(c, 'app=web'))[0].metadata?.name ?? '';
    expect((await c.kubectl(['label', 'pod', kept, 'app=other', '--overwrite'])).code).toBe(0);
    await eventually('released and replaced', async () => {
      const released = await pods.get(NS, kept);
      const refs = (released.metadata?.ownerReferences ?? []) as unknown[];
      return refs.length === 0 && readyPods(await podsOf(c, 'app=web')).length === 3;
    }, 60_000);

    // Scale to zero: every pod goes.
    await c.kubectl(['scale', 'rc', 'web', '--replicas=0']);
    await eventually('no pods', async () => (await podsOf(c, 'app=web')).length === 0, 60_000);
  });
});

describe('ReplicaSet', () => {
  it('reports available only after minReadySeconds, and observedGeneration', async () => {
    const c = env();
    const rss = c.resource<Obj>(RESOURCES.replicasets);
    await rss.create(NS, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'slow' },
      spec: {
        replicas: 2,
        minReadySeconds: 5,
        selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['slow'] }] },
        template: { metadata: { labels: { app: 'slow', tier: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    const ready = await eventually('ready but not yet available', async () => {
      const s = (await rss.get(NS, 'slow')).status ?? {};
      return s.readyReplicas === 2 ? s : false;
    }, 60_000);
    // The Ready conditions are stamped with whole seconds, so "available" can come at most ~1 s early; 5 s leaves
    // room for a slow machine between the pods turning ready and this read.
    expect(ready.availableReplicas ?? 0).toBeLessThan(2);
    await eventually('available after minReadySeconds', async () => (await rss.get(NS, 'slow')).status?.availableReplicas === 2, 30_000);

    // Patched, not read and updated: the controller writes the status meanwhile (an update would risk 409).
    await rss.patch(NS, 'slow', 'merge', { spec: { replicas: 1 } });
    await eventually('observedGeneration 2 with 1 replica', async () => {
      const s = (await rss.get(NS, 'slow')).status ?? {};
      return s.observedGeneration === 2 && s.replicas === 1;
    }, 60_000);
    expect((await podsOf(c, 'app=slow')).length).toBe(1);
  });
});

function newerKubectl(): string | undefined {
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    const minor = Number((JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor.replace(/\D.*$/, ''));
    return minor > 20 ? 'kubectl' : undefined;
  } catch {
    return undefined;
  }
}

function deployment(name: string, spec: Record<string, unknown>, podAnnotations: Record<string, string> = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, annotations: podAnnotations }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
      ...spec,
    },
  };
}

async function apply(c: WorkloadCluster, object: Obj): Promise<void> {
  const path = join(c.kubeconfig, '..', `${object.metadata?.name ?? 'x'}.json`);
  writeFileSync(path, JSON.stringify(object));
  const res = await c.kubectl(['create', '-f', path]);
  expect(res.stderr).toBe('');
}

async function replicaSetsOf(c: WorkloadCluster, app: string): Promise<Obj[]> {
  return (await c.resource<Obj>(RESOURCES.replicasets).list(NS, { labelSelector: `app=${app}` })).items;
}

const imageOf = (o: Obj): string => ((o.spec?.template as { spec: { containers: { image: string }[] } }).spec.containers[0].image);
const revision = (o: Obj): string | undefined => o.metadata?.annotations?.['deployment.kubernetes.io/revision'];

/** Watches one app's ReplicaSets and records every violation of the rollout bounds it sees. */
function watchBounds(c: WorkloadCluster, app: string, check: (rss: Obj[]) => string | undefined): { violations: string[]; stop(): Promise<void> } {
  const informer = new SharedInformer<Obj>(listerWatcher(c.resource<Obj>(RESOURCES.replicasets), NS, { labelSelector: `app=${app}` }));
  const violations: string[] = [];
  const look = (): void => {
    const v = check(informer.indexer.list());
    if (v !== undefined) violations.push(v);
  };
  informer.addEventHandler({ onAdd: look, onUpdate: look, onDelete: look });
  informer.run();
  return { violations, stop: () => informer.stop() };
}

const specReplicas = (rss: Obj[]): number => rss.reduce((n, rs) => n + Number(rs.spec?.replicas ?? 0), 0);

describe('Deployment with kubectl 1.20', () => {
  it('rolls out, updates within maxSurge, keeps history, undoes, pauses and resumes', async () => {
    const c = env();
    // 4 replicas at 25 %/25 %: maxSurge 1 (rounded up), maxUnavailable 1 (rounded down).
    const bounds = watchBounds(c, 'nginx', (rss) => (specReplicas(rss) > 5 ? `spec replicas ${specReplicas(rss)} > 5` : undefined));
    await apply(c, deployment('nginx', { revisionHistoryLimit: 1 }));
    const first = await c.kubectl(['rollout', 'status', 'deployment/nginx', '--timeout=120s']);
    expect(first.stdout).toContain('deployment "nginx" successfully rolled out');
    const [rs1] = await replicaSetsOf(c, 'nginx');
    const hash = rs1.metadata?.labels?.['pod-template-hash'];
    expect(rs1.metadata?.name).toBe(`nginx-${hash}`);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(revision(rs1)).toBe('1');
    expect((rs1.spec?.selector as { matchLabels: Record<string, string> }).matchLabels).toEqual({ app: 'nginx', 'pod-template-hash': hash });
    const d1 = await c.resource<Obj>(RESOURCES.deployments).get(NS, 'nginx');
    expect(d1.status).toMatchObject({ observedGeneration: 1, replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 });
    expect(d1.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }),
        expect.objectContaining({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "nginx-${hash}" has successfully progressed.` }),
      ]),
    );

    // set image → a second ReplicaSet, revision 2; the first is scaled to zero.
    expect((await c.kubectl(['set', 'image', 'deployment/nginx', 'c=nginx:2', '--record'])).code).toBe(0);
    expect((await c.kubectl(['rollout', 'status', 'deployment/nginx', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    let rss = await replicaSetsOf(c, 'nginx');
    expect(rss).toHaveLength(2);
    const rs2 = rss.find((rs) => imageOf(rs) === 'nginx:2') as Obj;
    expect(revision(rs2)).toBe('2');
    expect(rss.find((rs) => rs !== rs2)?.spec?.replicas).toBe(0);

    const history = await c.kubectl(['rollout', 'history', 'deployment/nginx']);
    expect(history.stdout).toMatch(/^1\s+<none>/m);
    expect(history.stdout).toMatch(/^2\s+kubectl set image deployment\/nginx c=nginx:2 --record=true/m);

    // undo → the template of revision 1 again, its ReplicaSet reused as revision 3.
    expect((await c.kubectl(['rollout', 'undo', 'deployment/nginx'])).stdout).toContain('deployment.apps/nginx rolled back');
    expect((await c.kubectl(['rollout', 'status', 'deployment/nginx', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    expect(imageOf(await c.resource<Obj>(RESOURCES.deployments).get(NS, 'nginx'))).toBe('nginx:1');
    rss = await replicaSetsOf(c, 'nginx');
    const back = rss.find((rs) => rs.metadata?.name === rs1.metadata?.name) as Obj;
    expect(revision(back)).toBe('3');
    expect(back.spec?.replicas).toBe(4);

    // pause: a template change makes no ReplicaSet; resume rolls it out.
    expect((await c.kubectl(['rollout', 'pause', 'deployment/nginx'])).stdout).toContain('deployment.apps/nginx paused');
    expect((await c.kubectl(['set', 'image', 'deployment/nginx', 'c=nginx:3'])).code).toBe(0);
    await eventually('paused condition observed', async () => {
      const d = await c.resource<Obj>(RESOURCES.deployments).get(NS, 'nginx');
      const progressing = (d.status?.conditions as { type: string; reason: string }[]).find((x) => x.type === 'Progressing');
      return d.status?.observedGeneration === d.metadata?.generation && progressing?.reason === 'DeploymentPaused';
    }, 60_000);
    expect((await replicaSetsOf(c, 'nginx')).some((rs) => imageOf(rs) === 'nginx:3')).toBe(false);
    expect((await c.kubectl(['rollout', 'resume', 'deployment/nginx'])).stdout).toContain('deployment.apps/nginx resumed');
    expect((await c.kubectl(['rollout', 'status', 'deployment/nginx', '--timeout=120s'])).stdout).toContain('successfully rolled out');

    // revisionHistoryLimit 1: of the two old ReplicaSets only the latest (revision 3) is kept.
    await eventually('history trimmed to 1 old ReplicaSet', async () => (await replicaSetsOf(c, 'nginx')).length === 2, 60_000);
    rss = await replicaSetsOf(c, 'nginx');
    expect(rss.map(revision).sort()).toEqual(['3', '4']);

    const events = (await c.resource<Obj>(RESOURCES.events).list(NS)).items.filter((e) => (e.involvedObject as { name: string }).name === 'nginx');
    expect(events.some((e) => e.reason === 'ScalingReplicaSet' && /^Scaled (up|down) replica set nginx-\S+ to \d+$/.test(String(e.message)))).toBe(true);
    await bounds.stop();
    expect(bounds.violations).toEqual([]);
  });

  it('Recreate scales the old ReplicaSet to zero before the new one gets pods', async () => {
    const c = env();
    const bounds = watchBounds(c, 'rec', (rss) => {
      const newOnes = rss.filter((rs) => imageOf(rs) === 'nginx:2');
      const oldOnes = rss.filter((rs) => imageOf(rs) !== 'nginx:2');
      return specReplicas(newOnes) > 0 && oldOnes.some((rs) => Number(rs.status?.replicas ?? 0) > 0) ? 'new pods while old ones remain' : undefined;
    });
    await apply(c, deployment('rec', { replicas: 2, strategy: { type: 'Recreate' } }));
    expect((await c.kubectl(['rollout', 'status', 'deployment/rec', '--timeout=120s'])).code).toBe(0);
    expect((await c.kubectl(['set', 'image', 'deployment/rec', 'c=nginx:2'])).code).toBe(0);
    expect((await c.kubectl(['rollout', 'status', 'deployment/rec', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    await bounds.stop();
    expect(bounds.violations).toEqual([]);
  });

  it('a rollout that never becomes ready exceeds its progress deadline; rollout status says so', async () => {
    const c = env();
    await apply(c, deployment('stuck', { replicas: 1, progressDeadlineSeconds: 3 }, { [READY_ANNOTATION]: 'false' }));
    const res = await c.kubectl(['rollout', 'status', 'deployment/stuck', '--timeout=120s']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    const d = await c.resource<Obj>(RESOURCES.deployments).get(NS, 'stuck');
    expect(d.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' })]));
  });
});

// The newer kubectl is checked when the machine has one (the issue asks for 1.20 always, a newer one when present):
// registered only then, as the other kubectl suites do, so that CI never reports a skipped test.
const kubectl = newerKubectl();
if (kubectl !== undefined) describe('Deployment with the newer kubectl on PATH', () => {
  it('set image, rollout status, history and undo', async () => {
    const c = env();
    const k = (args: string[]): ReturnType<WorkloadCluster['kubectl']> => c.kubectl(args, kubectl);
    await apply(c, deployment('new', { replicas: 2 }));
    expect((await k(['rollout', 'status', 'deployment/new', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    expect((await k(['set', 'image', 'deployment/new', 'c=nginx:2'])).code).toBe(0);
    expect((await k(['rollout', 'status', 'deployment/new', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    expect((await k(['rollout', 'history', 'deployment/new'])).stdout).toMatch(/^2\s+<none>/m);
    const undo = await k(['rollout', 'undo', 'deployment/new', '--to-revision=1']);
    expect(undo.stdout).toContain('deployment.apps/new rolled back');
    expect((await k(['rollout', 'status', 'deployment/new', '--timeout=120s'])).stdout).toContain('successfully rolled out');
    expect(imageOf(await c.resource<Obj>(RESOURCES.deployments).get(NS, 'new'))).toBe('nginx:1');
    const keys = (await replicaSetsOf(c, 'new')).map((rs) => `${objectKey(rs)}@${revision(rs) ?? ''}`);
    expect(keys).toHaveLength(2);
    expect(keys.some((k2) => k2.endsWith('@3'))).toBe(true);
  });
});

describe('controller-manager leader election', () => {
  it('a second controller-manager waits; it takes over within the lease duration after the leader is killed', async () => {
    const c = env();
    // The leader now (a leader that lost its lease under load has been replaced by the cluster helper).
    const first = c.managers.find((m) => !m.exited() && m.isLeading());
    if (first === undefined) throw new Error('no controller-manager leads');
    const second = await c.startManager();
    const leases = c.resource(LEASES);
    const holder = async (): Promise<string> => recordOf(await leases.get('kube-system', 'kube-controller-manager')).holderIdentity;
    expect(await holder()).toBe(first.identity);
    // Several renewals pass and the second never leads while the first does.
    await eventually('lease renewed', async () => {
      const lease = await leases.get('kube-system', 'kube-controller-manager');
      return (lease.spec as { renewTime?: string }).renewTime !== undefined;
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(second.isLeading()).toBe(false);

    const killedAt = Date.now();
    await first.stop('SIGKILL');
    await second.leading;
    // 5 s lease plus one jittered retry (≤ 1.1 s) plus the slow machine's scheduling: well under 20 s.
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    expect(await holder()).toBe(second.identity);

    // The new leader's controllers work.
    const rss = c.resource<Obj>(RESOURCES.replicasets);
    await rss.patch(NS, 'slow', 'merge', { spec: { replicas: 3 } });
    await eventually('3 ready pods under the new leader', async () => readyPods(await podsOf(c, 'app=slow')).length === 3, 60_000);

    // A graceful stop releases the lease.
    await second.stop('SIGTERM');
    expect(second.exited()).toBe(true);
    expect(await holder()).toBe('');
  });
});
