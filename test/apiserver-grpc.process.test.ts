// The apiserver's gRPC front end and the agents' client library against real processes: etcd 3.4.23 (reference
// binary) and `bin/barque apiserver`. CRUD, errors (the Status rebuilt from the trailer must equal the REST one),
// watch (resume, 410 Expired as an ERROR event, bookmarks), failover between apiservers, and an informer that
// survives an apiserver crash and restart.
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient, isConflict, objectKey, podsByNodeName, RESOURCES, SharedInformer, listerWatcher, StatusError, type WatchEvent } from '../src/agents/client/index.ts';
import type { KubeObject } from '../src/apiserver/index.ts';
import { ApiServer } from '../src/apiserver/index.ts';
import { EtcdCluster } from '../src/store/testing/etcd-process.ts';
import { api, setupOnce } from './apiserver-harness.ts';
import { eventually, startApiserverProcess, type ApiserverProcess } from './apiserver-grpc-process.ts';

interface Env {
  etcd: EtcdCluster;
  a: ApiserverProcess;
  client: ApiClient;
}

let env: Env | undefined;
const setup = setupOnce(async (): Promise<Env> => {
  const etcd = await EtcdCluster.start({ impl: 'etcd', members: 1 });
  try {
    const a = await startApiserverProcess(etcd.clientUrls());
    env = { etcd, a, client: new ApiClient({ endpoints: [a.grpcAddress] }) };
    return env;
  } catch (err) {
    await etcd.cleanup();
    throw err;
  }
});

afterAll(async () => {
  env?.client.close();
  await env?.a.stop();
  await env?.etcd.cleanup();
});

async function statusOf(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StatusError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Collects a watch's events until `enough` holds. */
function collect<T>(start: (handlers: { event(e: WatchEvent<T>): void; closed(e: StatusError | null): void }) => { stop(): void }) {
  const events: WatchEvent<T>[] = [];
  let closed: StatusError | null | undefined;
  const handle = start({ event: (e) => events.push(e), closed: (e) => (closed = e) });
  return { events, handle, closed: () => closed, until: (what: string, enough: (e: WatchEvent<T>[]) => boolean) => eventually(what, () => enough(events)) };
}

describe('gRPC front end: CRUD', () => {
  it('creates, gets, lists (selectors, paging), updates, patches and deletes', async () => {
    const { client, a } = setup();
    const ns = 'grpc-crud';
    await client.resource(RESOURCES.namespaces).create('', { metadata: { name: ns } });
    const cms = client.resource<KubeObject>(RESOURCES.configmaps);
    for (const [i, tier] of ['web', 'web', 'db'].entries()) {
      const created = await cms.create(ns, { metadata: { name: `cm${i}`, labels: { tier } }, data: { i: String(i) } });
      expect(created).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm${i}`, namespace: ns } });
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    }
    const generated = await cms.create(ns, { metadata: { generateName: 'gen-' } }, { dryRun: true });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(await statusOf(cms.get(ns, generated.metadata?.name ?? ''))).toMatchObject({ code: 404 });

    const got = await cms.get(ns, 'cm1');
    expect(got.data).toEqual({ i: '1' });
    expect((await cms.list(ns, { labelSelector: 'tier=web' })).items.map((o) => o.metadata?.name)).toEqual(['cm0', 'cm1']);
    expect((await cms.list(ns, { fieldSelector: 'metadata.name!=cm0' })).items.map((o) => o.metadata?.name)).toEqual(['cm1', 'cm2']);
    const page1 = await cms.list(ns, { limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.remainingItemCount).toBe(1);
    const page2 = await cms.list(ns, { limit: 2, continue: page1.continue });
    expect(page2.items.map((o) => o.metadata?.name)).toEqual(['cm2']);
    expect(page2.continue).toBe('');
    // The same list over REST, byte for byte the same objects.
    const rest = await api(a.url, `/api/v1/namespaces/${ns}/configmaps`);
    expect((rest.json.items as KubeObject[]).map((i) => ({ apiVersion: 'v1', kind: 'ConfigMap', ...i }))).toEqual((await cms.list(ns)).items);

    const updated = await cms.update(ns, 'cm1', { ...got, data: { i: 'one' } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(got.metadata?.resourceVersion));
    expect((await cms.patch(ns, 'cm1', 'merge', { data: { m: 'x' } })).data).toEqual({ i: 'one', m: 'x' });
    expect((await cms.patch(ns, 'cm1', 'json', [{ op: 'remove', path: '/data/i' }])).data).toEqual({ m: 'x' });
    expect((await cms.patch(ns, 'cm1', 'strategic', { metadata: { labels: { extra: 'y' } } })).metadata?.labels).toEqual({ tier: 'web', extra: 'y' });

    const deleted = await cms.delete(ns, 'cm2');
    expect(deleted).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'cm2', kind: 'configmaps' } });
    expect(await statusOf(cms.get(ns, 'cm2'))).toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('keeps spec and status apart: Update ignores status, UpdateStatus and the status patch change only status', async () => {
    const { client } = setup();
    const pods = client.resource<KubeObject>(RESOURCES.pods);
    const pod = await pods.create('default', { metadata: { name: 'grpc-status' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const withStatus = await pods.updateStatus('default', 'grpc-status', { ...pod, status: { phase: 'Running' }, spec: { ...(pod.spec as object), activeDeadlineSeconds: 5 } });
    expect(withStatus.status).toMatchObject({ phase: 'Running' });
    expect((withStatus.spec as Record<string, unknown>).activeDeadlineSeconds).toBeUndefined();
    const viaUpdate = await pods.update('default', 'grpc-status', { ...withStatus, status: { phase: 'Failed' } });
    expect(viaUpdate.status).toMatchObject({ phase: 'Running' });
    const patched = await pods.patch('default', 'grpc-status', 'merge', { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    expect(patched.status).toMatchObject({ phase: 'Succeeded' });
    const cms = client.resource(RESOURCES.configmaps);
    await cms.create('default', { metadata: { name: 'no-status' } });
    expect(await statusOf(cms.updateStatus('default', 'no-status', { metadata: { name: 'no-status' } }))).toMatchObject({ code: 404 });
    await pods.delete('default', 'grpc-status', { gracePeriodSeconds: 0 });
  });
});

describe('gRPC front end: subresources', () => {
  it('binds a pod through pods/binding and scales a deployment through deployments/scale', async () => {
    const { client } = setup();
    const pods = client.resource<KubeObject>(RESOURCES.pods);
    await pods.create('default', { metadata: { name: 'to-bind' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const bound = await pods.createSubresource('default', 'to-bind', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'to-bind' }, target: { kind: 'Node', name: 'node-1' } });
    expect(bound).toMatchObject({ kind: 'Status', status: 'Success' });
    expect(((await pods.get('default', 'to-bind')).spec as { nodeName?: string }).nodeName).toBe('node-1');
    const again = await statusOf(pods.createSubresource('default', 'to-bind', 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'to-bind' }, target: { kind: 'Node', name: 'node-2' } }));
    expect(again.status).toMatchObject({ code: 409, reason: 'Conflict' });

    const deployments = client.resource<KubeObject>(RESOURCES.deployments);
    const labels = { app: 'scaled' };
    await deployments.create('default', {
      metadata: { name: 'scaled' },
      spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const scale = await deployments.getSubresource<KubeObject>('default', 'scaled', 'scale');
    expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 } });
    await deployments.updateSubresource('default', 'scaled', 'scale', { ...scale, spec: { replicas: 3 } });
    expect(((await deployments.get('default', 'scaled')).spec as { replicas: number }).replicas).toBe(3);
    await deployments.patch('default', 'scaled', 'merge', { spec: { replicas: 2 } }, { subresource: 'scale' });
    expect(((await deployments.get('default', 'scaled')).spec as { replicas: number }).replicas).toBe(2);
    expect(await statusOf(client.resource(RESOURCES.configmaps).getSubresource('default', 'x', 'scale'))).toMatchObject({ code: 404 });
  });
});

describe('gRPC front end: server-side apply', () => {
  it('applies YAML by field manager, reports conflicts as 409 with causes, and takes fields over with force', async () => {
    const { client } = setup();
    const cms = client.resource<KubeObject>(RESOURCES.configmaps);
    const yaml = (v: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  k: "${v}"\n`;
    const created = await cms.patch('default', 'applied', 'apply', yaml('1'), { fieldManager: 'alice' });
    expect(created.data).toEqual({ k: '1' });
    expect((created.metadata?.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}:${m.operation}`)).toEqual(['alice:Apply']);
    const conflict = await statusOf(cms.patch('default', 'applied', 'apply', yaml('2'), { fieldManager: 'bob' }));
    expect(conflict.status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(conflict.status.details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.data.k' });
    const forced = await cms.patch('default', 'applied', 'apply', yaml('2'), { fieldManager: 'bob', force: true });
    expect(forced.data).toEqual({ k: '2' });
    const noManager = await statusOf(cms.patch('default', 'applied', 'apply', yaml('3')));
    expect(noManager.status).toMatchObject({ code: 422, reason: 'Invalid', message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch' });
  });

  it('records the client user agent as the manager of ordinary writes', async () => {
    const { a } = setup();
    const client = new ApiClient({ endpoints: [a.grpcAddress], userAgent: 'test-controller/v0.1' });
    try {
      const obj = await client.resource<KubeObject>(RESOURCES.configmaps).create('default', { metadata: { name: 'by-agent', labels: { a: 'b' } }, data: { k: 'v' } });
      expect((obj.metadata?.managedFields as { manager: string }[] | undefined)?.map((m) => m.manager)).toEqual(['test-controller']);
    } finally {
      client.close();
    }
  });
});

describe('gRPC front end: errors carry the exact Status', () => {
  it('409 Conflict on a stale update, equal to the REST answer', async () => {
    const { client, a } = setup();
    const cms = client.resource<KubeObject>(RESOURCES.configmaps);
    const first = await cms.create('default', { metadata: { name: 'stale' }, data: { v: '1' } });
    await cms.update('default', 'stale', { ...first, data: { v: '2' } });
    const err = await statusOf(cms.update('default', 'stale', { ...first, data: { v: '3' } }));
    expect(isConflict(err)).toBe(true);
    expect(err.grpcCode).toBe(10); // ABORTED
    const rest = await api(a.url, '/api/v1/namespaces/default/configmaps/stale', { method: 'PUT', body: { ...first, data: { v: '3' } } });
    expect(rest.status).toBe(409);
    expect(err.status).toEqual(rest.json);
    expect(err.message).toBe('Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('404 NotFound, 409 AlreadyExists and precondition conflicts on delete', async () => {
    const { client, a } = setup();
    const cms = client.resource<KubeObject>(RESOURCES.configmaps);
    const missing = await statusOf(cms.get('default', 'missing'));
    expect(missing.grpcCode).toBe(5); // NOT_FOUND
    expect(missing.status).toEqual((await api(a.url, '/api/v1/namespaces/default/configmaps/missing')).json);
    const obj = await cms.create('default', { metadata: { name: 'dup' } });
    const dup = await statusOf(cms.create('default', { metadata: { name: 'dup' } }));
    expect(dup.grpcCode).toBe(6); // ALREADY_EXISTS
    expect(dup.status).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "dup" already exists' });
    const pre = await statusOf(cms.delete('default', 'dup', { preconditions: { uid: 'not-the-uid' } }));
    expect(pre.status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(pre.message).toContain(`Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${obj.metadata?.uid}`);
    await cms.delete('default', 'dup', { dryRun: true });
    await cms.get('default', 'dup'); // still there
    const policy = await statusOf(cms.delete('default', 'dup', { propagationPolicy: 'Sideways' as 'Orphan' }));
    expect(policy.status).toMatchObject({ code: 400, reason: 'BadRequest' });
    await cms.delete('default', 'dup', { preconditions: { uid: obj.metadata?.uid }, propagationPolicy: 'Background' });
  });

  it('422 Invalid with field causes, equal to the REST answer', async () => {
    const { client, a } = setup();
    const bad = { metadata: { name: 'Bad_Name' }, spec: { containers: [] } };
    const err = await statusOf(client.resource(RESOURCES.pods).create('default', bad));
    expect(err.grpcCode).toBe(3); // INVALID_ARGUMENT
    expect(err.status.reason).toBe('Invalid');
    expect(err.status.details?.causes?.length).toBeGreaterThan(0);
    expect(err.status.details?.causes?.map((c) => c.field)).toContain('metadata.name');
    const rest = await api(a.url, '/api/v1/namespaces/default/pods', { method: 'POST', body: bad });
    expect(rest.status).toBe(422);
    expect(err.status).toEqual(rest.json);
  });

  it('unknown resources, bad JSON, bad options', async () => {
    const { client } = setup();
    const unknown = await statusOf(client.resource({ group: 'nope.io', version: 'v1', resource: 'widgets' }).list(''));
    expect(unknown.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });
    const namespaceless = await statusOf(client.resource(RESOURCES.configmaps).get('', 'x'));
    expect(namespaceless.code).toBe(404);
    const badJson = await statusOf(client.call('Create', { resource: RESOURCES.configmaps, namespace: 'default', object: Buffer.from('{nope') }));
    expect(badJson.status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(badJson.message).toMatch(/^error decoding request body: /);
    const match = await statusOf(client.resource(RESOURCES.configmaps).list('default', { resourceVersionMatch: 'Exact' }));
    expect(match.status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(match.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    const apply = await statusOf(client.resource(RESOURCES.configmaps).patch('default', 'x', 'json', 'not json'));
    expect(apply.code).toBe(400);
  });
});

describe('gRPC front end: watch', () => {
  it('streams ADDED/MODIFIED/DELETED from a list resourceVersion, resumes from any later one, filters by label', async () => {
    const { client } = setup();
    const ns = 'grpc-watch';
    await client.resource(RESOURCES.namespaces).create('', { metadata: { name: ns } });
    const cms = client.resource<KubeObject>(RESOURCES.configmaps);
    const listed = await cms.list(ns);
    const all = collect<KubeObject>((h) => cms.watch(ns, { resourceVersion: listed.resourceVersion }, h));
    const labelled = collect<KubeObject>((h) => cms.watch(ns, { resourceVersion: listed.resourceVersion, labelSelector: 'pick=yes' }, h));
    const a1 = await cms.create(ns, { metadata: { name: 'w1', labels: { pick: 'yes' } } });
    const a2 = await cms.patch(ns, 'w1', 'merge', { data: { k: 'v' } });
    await cms.create(ns, { metadata: { name: 'w2' } });
    await cms.delete(ns, 'w1');
    await all.until('four events', (e) => e.length >= 4);
    expect(all.events.map((e) => `${e.type}:${e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED' ? e.object.metadata?.name : ''}`)).toEqual([
      'ADDED:w1',
      'MODIFIED:w1',
      'ADDED:w2',
      'DELETED:w1',
    ]);
    await labelled.until('three labelled events', (e) => e.length >= 3);
    expect(labelled.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);

    // Resume after the first event: only what came later.
    const resumed = collect<KubeObject>((h) => cms.watch(ns, { resourceVersion: a1.metadata?.resourceVersion }, h));
    await resumed.until('three resumed events', (e) => e.length >= 3);
    expect(resumed.events[0]).toMatchObject({ type: 'MODIFIED', object: { metadata: { resourceVersion: a2.metadata?.resourceVersion } } });
    for (const w of [all, labelled, resumed]) w.handle.stop();
  });

  it('answers a resourceVersion older than the watch cache with one ERROR event carrying 410 Expired, then ends', async () => {
    const { client } = setup();
    const w = collect<KubeObject>((h) => client.resource<KubeObject>(RESOURCES.configmaps).watch('default', { resourceVersion: '1' }, h));
    await eventually('the stream to end', () => w.closed() !== undefined);
    expect(w.closed()).toBeNull();
    expect(w.events).toHaveLength(1);
    const [event] = w.events;
    expect(event.type).toBe('ERROR');
    if (event.type !== 'ERROR') return;
    expect(event.status).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(event.status.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
  });

  it('sends bookmarks to watchers that allow them (in-process apiserver with a short bookmark interval)', async () => {
    const { etcd } = setup();
    const server = await ApiServer.start({ etcdServers: etcd.clientUrls(), port: 0, grpcPort: 0, bookmarkIntervalMs: 200 });
    const client = new ApiClient({ endpoints: [server.grpcAddress ?? ''] });
    try {
      const cms = client.resource<KubeObject>(RESOURCES.configmaps);
      const listed = await cms.list('default');
      const withMarks = collect<KubeObject>((h) => cms.watch('default', { resourceVersion: listed.resourceVersion, allowWatchBookmarks: true }, h));
      const without = collect<KubeObject>((h) => cms.watch('default', { resourceVersion: listed.resourceVersion }, h));
      await withMarks.until('two bookmarks', (e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2);
      for (const e of withMarks.events) {
        if (e.type === 'BOOKMARK') expect(Number(e.resourceVersion)).toBeGreaterThanOrEqual(Number(listed.resourceVersion));
      }
      // A write after the bookmarks reaches both; the bookmark-less watch saw nothing else.
      await cms.create('default', { metadata: { name: 'after-marks' } });
      await without.until('the ADDED event', (e) => e.length >= 1);
      expect(without.events.map((e) => e.type)).toEqual(['ADDED']);
      withMarks.handle.stop();
      without.handle.stop();
    } finally {
      client.close();
      await server.close();
    }
  });
});

describe('client library against real apiservers', () => {
  it('fails over from an unreachable apiserver to a live one', async () => {
    const { a } = setup();
    const client = new ApiClient({ endpoints: ['127.0.0.1:1', a.grpcAddress], retryInitialMs: 10 });
    try {
      const ns = await client.resource<KubeObject>(RESOURCES.namespaces).get('', 'default');
      expect(ns.metadata?.name).toBe('default');
      expect(client.currentEndpoint).toBe(a.grpcAddress);
    } finally {
      client.close();
    }
    const dead = new ApiClient({ endpoints: ['127.0.0.1:1'], retryInitialMs: 10, retryRoundsMax: 2 });
    const err = await statusOf(dead.resource(RESOURCES.namespaces).get('', 'default'));
    expect(err.status).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    dead.close();
  });

  it('an informer fails over to the next apiserver when its current one dies', async () => {
    const { etcd, a, client: writer } = setup();
    const c = await startApiserverProcess(etcd.clientUrls());
    const client = new ApiClient({ endpoints: [c.grpcAddress, a.grpcAddress], retryInitialMs: 50, retryMaxMs: 500 });
    const informer = new SharedInformer<KubeObject>(listerWatcher(client.resource<KubeObject>(RESOURCES.configmaps), 'default'));
    try {
      informer.run();
      await informer.waitForSync();
      expect(client.currentEndpoint).toBe(c.grpcAddress);
      await c.stop('SIGKILL');
      await writer.resource(RESOURCES.configmaps).create('default', { metadata: { name: 'after-failover' } });
      await eventually('the informer to see the write through the other apiserver', () => informer.indexer.get('default/after-failover') !== undefined, 60_000);
      expect(client.currentEndpoint).toBe(a.grpcAddress);
    } finally {
      await informer.stop();
      client.close();
      await c.stop();
    }
  });

  it('an informer sees adds, updates and deletes, indexes pods by node, and survives an apiserver crash and restart', async () => {
    const { etcd, client: writer } = setup();
    const ns = 'grpc-informer';
    await writer.resource(RESOURCES.namespaces).create('', { metadata: { name: ns } });
    const pods = writer.resource<KubeObject>(RESOURCES.pods);
    const pod = (name: string, nodeName?: string): KubeObject => ({ metadata: { name }, spec: { ...(nodeName === undefined ? {} : { nodeName }), containers: [{ name: 'c', image: 'busybox' }] } });
    await pods.create(ns, pod('before', 'n1'));

    // The informer talks to its own apiserver, which is crashed and restarted below; writes go through the other.
    let b = await startApiserverProcess(etcd.clientUrls());
    const client = new ApiClient({ endpoints: [b.grpcAddress], retryInitialMs: 50, retryMaxMs: 500 });
    const informer = new SharedInformer<KubeObject>(listerWatcher(client.resource<KubeObject>(RESOURCES.pods), ns), { indexers: { byNode: podsByNodeName }, resyncPeriodMs: 0 });
    const seen: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => seen.push(`add:${o.metadata?.name}`),
      onUpdate: (old, o) => seen.push(`update:${o.metadata?.name}:${old.metadata?.resourceVersion}->${o.metadata?.resourceVersion}`),
      onDelete: (o) => seen.push(`delete:${o.metadata?.name}`),
    });
    try {
      informer.run();
      await informer.waitForSync();
      expect(seen).toEqual(['add:before']);
      await pods.create(ns, pod('p1'));
      await pods.patch(ns, 'p1', 'merge', { metadata: { labels: { x: 'y' } } });
      await pods.create(ns, pod('p2', 'n1'));
      await pods.delete(ns, 'before', { gracePeriodSeconds: 0 });
      await eventually('the informer to see the changes', () => seen.some((s) => s === 'delete:before') && seen.some((s) => s === 'add:p2'));
      expect(seen.filter((s) => s.includes(':p1'))).toHaveLength(2);
      expect(informer.indexer.byIndex('byNode', 'n1').map(objectKey)).toEqual([`${ns}/p2`]);

      // Crash the informer's apiserver; change things meanwhile; bring it back on the same port.
      await b.stop('SIGKILL');
      await pods.create(ns, pod('while-down', 'n1'));
      await pods.delete(ns, 'p1', { gracePeriodSeconds: 0 });
      b = await startApiserverProcess(etcd.clientUrls(), [`--grpc-port=${b.grpcPort}`]);
      await eventually('the informer to catch up after the restart', () => seen.includes('add:while-down') && seen.includes('delete:p1'), 60_000);
      // Live again: a later change arrives too, and the cache equals a fresh list.
      await pods.patch(ns, 'p2', 'merge', { metadata: { labels: { after: 'restart' } } });
      await eventually('the post-restart update', () => informer.indexer.get(`${ns}/p2`)?.metadata?.labels?.after === 'restart');
      const truth = await pods.list(ns);
      expect(informer.indexer.list().map((o) => `${objectKey(o)}@${o.metadata?.resourceVersion}`).sort()).toEqual(truth.items.map((o) => `${objectKey(o)}@${o.metadata?.resourceVersion}`).sort());
      expect(informer.indexer.byIndex('byNode', 'n1').map(objectKey).sort()).toEqual([`${ns}/p2`, `${ns}/while-down`]);
    } finally {
      await informer.stop();
      client.close();
      await b.stop();
    }
  });
});
