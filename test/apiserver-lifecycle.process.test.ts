// Slow, multi-process: real etcd 3.4 + `bin/barque apiserver`. OpenAPI-driven validation under kubectl 1.20 and the
// newer kubectls with default flags, fieldValidation over HTTP, deletion semantics (finalizers, graceful pod
// deletion, propagationPolicy, preconditions, dryRun), namespace lifecycle, health and Prometheus metrics.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { api, runKubectl, setupOnce, startHarness, STORES } from './apiserver-harness.ts';

const NEWER_KUBECTL = '/usr/bin/kubectl';
const NEWEST_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const newerKubectls = [NEWER_KUBECTL, NEWEST_KUBECTL].filter((b) => existsSync(b));
const WAIT_MS = 60_000;

const POD_WITH_UNKNOWN_FIELD = (name: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  foo: bar
  containers:
  - name: app
    image: nginx:1.25
`;

/** Polls until `done` holds; generous bound, no fixed sleeps. */
async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Obj = { metadata: { name: string; uid: string; resourceVersion: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number; finalizers?: string[] }; status?: { phase?: string } };

describe.each(STORES)('apiserver lifecycle on %s', (store) => {
  const harness = setupOnce(() => startHarness([], store));
  afterAll(async () => {
    try {
      await harness().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });
  const post = (path: string, body: unknown) => api(harness().url, path, { method: 'POST', body });

  it('kubectl 1.20 refuses an unknown field client-side from the OpenAPI v2 protobuf schema', async () => {
    const h = harness();
    const file = join(h.dir, 'unknown-120.yaml');
    writeFileSync(file, POD_WITH_UNKNOWN_FIELD('unknown-120'));
    const res = await runKubectl(referenceBinary('kubectl'), h.kubeconfig, ['create', '-f', file]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('error validating data: ValidationError(Pod.spec): unknown field "foo" in io.k8s.api.core.v1.PodSpec');
    expect((await api(h.url, '/api/v1/namespaces/default/pods/unknown-120')).status).toBe(404);
  });

  it('newer kubectls send fieldValidation=Strict and print the server error', async () => {
    const h = harness();
    expect(newerKubectls.length).toBeGreaterThan(0);
    for (const [i, binary] of newerKubectls.entries()) {
      const file = join(h.dir, `unknown-new-${i}.yaml`);
      writeFileSync(file, POD_WITH_UNKNOWN_FIELD(`unknown-new-${i}`));
      const res = await runKubectl(binary, h.kubeconfig, ['create', '-f', file]);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(
        `Error from server (BadRequest): error when creating "${file}": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`,
      );
    }
  });

  it('kubectl explain reads the schemas', async () => {
    const h = harness();
    for (const binary of [referenceBinary('kubectl'), ...newerKubectls]) {
      const res = await runKubectl(binary, h.kubeconfig, ['explain', 'pods.spec']);
      expect(res.stderr).toBe('');
      expect(res.stdout).toMatch(/containers\s+<\[\]Object>|containers\s+<\[\]Container>/);
    }
  });

  it('fieldValidation over HTTP: Strict 400, Warn header and pruning, Ignore silent, duplicates, bad value 422', async () => {
    const { url } = harness();
    const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, bogus: 1 }, data: { a: '1' }, extra: true });
    const strict = await api(url, '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', { method: 'POST', body: cm('fv-strict') });
    expect(strict.status).toBe(400);
    expect(strict.json).toMatchObject({
      reason: 'BadRequest',
      message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus", unknown field "extra"',
    });
    const warned = await fetch(`${url}/api/v1/namespaces/default/configmaps?fieldValidation=Warn`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cm('fv-warn')) });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"metadata.bogus\\"", 299 - "unknown field \\"extra\\""');
    const stored = (await warned.json()) as Record<string, unknown>;
    expect(stored.extra).toBeUndefined();
    const ignored = await fetch(`${url}/api/v1/namespaces/default/configmaps?fieldValidation=Ignore`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cm('fv-ignore')) });
    expect(ignored.status).toBe(201);
    expect(ignored.headers.get('warning')).toBeNull();
    const dup = await fetch(`${url}/api/v1/namespaces/default/configmaps?fieldValidation=Strict`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fv-dup","name":"fv-dup2"},"data":{"a":"1"}}',
    });
    expect(dup.status).toBe(400);
    expect(((await dup.json()) as { message: string }).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name"');
    const patch = await api(url, '/api/v1/namespaces/default/configmaps/fv-warn?fieldValidation=Strict', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: { data: { b: '2' }, spec: { x: 1 } },
    });
    expect(patch.status).toBe(400);
    expect(patch.json.message).toBe('strict decoding error: unknown field "spec"');
    const bad = await api(url, '/api/v1/namespaces/default/configmaps?fieldValidation=Loud', { method: 'POST', body: cm('fv-bad') });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "Ignore", "Strict", "Warn"');
  });

  it('finalizers keep a deleted object until an update removes the last one', async () => {
    const { url } = harness();
    const path = '/api/v1/namespaces/default/configmaps/held';
    expect((await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } })).status).toBe(201);
    const del = await api(url, path, { method: 'DELETE' });
    expect(del.status).toBe(200);
    const marked = del.json as unknown as Obj;
    expect(marked.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(0);
    const still = (await api(url, path)).json as unknown as Obj;
    expect(still.metadata.finalizers).toEqual(['example.com/hold']);
    const added = await api(url, path, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: { metadata: { finalizers: ['example.com/hold', 'example.com/more'] } } });
    expect(added.status).toBe(422);
    expect(added.json.message).toBe(
      'ConfigMap "held" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/more"}',
    );
    const released = await api(url, path, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: { metadata: { finalizers: null } } });
    expect(released.status).toBe(200);
    expect((await api(url, path)).status).toBe(404);
  });

  it('graceful deletion for bound pods; unbound pods go at once', async () => {
    const { url } = harness();
    const pod = (name: string, nodeName?: string) => ({ metadata: { name }, spec: { ...(nodeName === undefined ? {} : { nodeName }), containers: [{ name: 'c', image: 'busybox' }] } });
    expect((await post('/api/v1/namespaces/default/pods', pod('bound', 'node-a'))).status).toBe(201);
    expect((await post('/api/v1/namespaces/default/pods', pod('unbound'))).status).toBe(201);
    const del = await api(url, '/api/v1/namespaces/default/pods/bound', { method: 'DELETE' });
    expect(del.status).toBe(200);
    const marked = del.json as unknown as Obj;
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(Date.parse(marked.metadata.deletionTimestamp ?? '')).toBeGreaterThan(Date.now() + 20_000);
    expect((await api(url, '/api/v1/namespaces/default/pods/bound')).status).toBe(200);
    // A second DELETE may shorten the grace period (never extend it).
    const shorter = (await api(url, '/api/v1/namespaces/default/pods/bound', { method: 'DELETE', body: { gracePeriodSeconds: 10 } })).json as unknown as Obj;
    expect(shorter.metadata.deletionGracePeriodSeconds).toBe(10);
    // The node agent's final delete.
    expect((await api(url, '/api/v1/namespaces/default/pods/bound?gracePeriodSeconds=0', { method: 'DELETE' })).status).toBe(200);
    expect((await api(url, '/api/v1/namespaces/default/pods/bound')).status).toBe(404);
    expect((await api(url, '/api/v1/namespaces/default/pods/unbound', { method: 'DELETE' })).status).toBe(200);
    expect((await api(url, '/api/v1/namespaces/default/pods/unbound')).status).toBe(404);
  });

  it('propagationPolicy adds orphan / foregroundDeletion finalizers; Background deletes at once', async () => {
    const { url } = harness();
    for (const [name, policy, finalizer] of [
      ['orphaned', 'Orphan', 'orphan'],
      ['foreground', 'Foreground', 'foregroundDeletion'],
    ] as const) {
      await post('/api/v1/namespaces/default/configmaps', { metadata: { name } });
      const del = await api(url, `/api/v1/namespaces/default/configmaps/${name}`, { method: 'DELETE', body: { propagationPolicy: policy } });
      expect(del.status).toBe(200);
      expect((del.json as unknown as Obj).metadata.finalizers).toEqual([finalizer]);
      expect((await api(url, `/api/v1/namespaces/default/configmaps/${name}`)).status).toBe(200);
    }
    await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'background' } });
    const del = await api(url, '/api/v1/namespaces/default/configmaps/background?propagationPolicy=Background', { method: 'DELETE' });
    expect(del.json).toMatchObject({ kind: 'Status', status: 'Success' });
    expect((await api(url, '/api/v1/namespaces/default/configmaps/background')).status).toBe(404);
  });

  it('preconditions conflict with 409; dryRun=All deletes nothing; deletecollection honours finalizers', async () => {
    const { url } = harness();
    await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'pre', labels: { set: 'c' } } });
    await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'pre-held', labels: { set: 'c' }, finalizers: ['example.com/hold'] } });
    const stale = await api(url, '/api/v1/namespaces/default/configmaps/pre', { method: 'DELETE', body: { preconditions: { uid: 'not-the-uid' } } });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toMatch(/^Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: not-the-uid, UID in object meta: [0-9a-f-]{36}$/);
    const dry = await api(url, '/api/v1/namespaces/default/configmaps/pre?dryRun=All', { method: 'DELETE' });
    expect(dry.status).toBe(200);
    expect((await api(url, '/api/v1/namespaces/default/configmaps/pre')).status).toBe(200);
    const collection = await api(url, '/api/v1/namespaces/default/configmaps?labelSelector=set%3Dc', { method: 'DELETE' });
    expect(collection.status).toBe(200);
    expect((await api(url, '/api/v1/namespaces/default/configmaps/pre')).status).toBe(404);
    const held = (await api(url, '/api/v1/namespaces/default/configmaps/pre-held')).json as unknown as Obj;
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await api(url, '/api/v1/namespaces/default/configmaps/pre-held', { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: { metadata: { finalizers: [] } } });
    expect((await api(url, '/api/v1/namespaces/default/configmaps/pre-held')).status).toBe(404);
  });

  it('namespace lifecycle: Terminating, creates refused, emptied and finalized; finalize subresource; system namespaces stay', async () => {
    const h = harness();
    const { url } = h;
    await post('/api/v1/namespaces', { metadata: { name: 'doomed' } });
    await post('/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'plain' } });
    await post('/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    const del = await api(url, '/api/v1/namespaces/doomed', { method: 'DELETE' });
    expect(del.status).toBe(200);
    const ns = del.json as unknown as Obj & { spec: { finalizers: string[] } };
    expect(ns.status?.phase).toBe('Terminating');
    expect(ns.metadata.deletionTimestamp).toBeDefined();
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const refused = await post('/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'late' } });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({
      reason: 'Forbidden',
      message: 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
      details: { causes: [{ reason: 'NamespaceTerminating', message: 'namespace doomed is being terminated', field: 'metadata.namespace' }] },
    });
    // The unheld object goes; the held one keeps the namespace Terminating.
    const plain = await eventually(() => api(url, '/api/v1/namespaces/doomed/configmaps/plain'), (r) => r.status === 404);
    expect(plain.status).toBe(404);
    expect(((await api(url, '/api/v1/namespaces/doomed')).json as unknown as Obj).status?.phase).toBe('Terminating');
    const again = await api(url, '/api/v1/namespaces/doomed', { method: 'DELETE' });
    expect(again.status).toBe(409);
    await api(url, '/api/v1/namespaces/doomed/configmaps/held', { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: { metadata: { finalizers: null } } });
    const gone = await eventually(() => api(url, '/api/v1/namespaces/doomed'), (r) => r.status === 404);
    expect(gone.status).toBe(404);

    // PUT …/finalize removes the namespace's finalizer; a Terminating namespace without finalizers is removed.
    await post('/api/v1/namespaces', { metadata: { name: 'forced' } });
    await post('/api/v1/namespaces/forced/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] } });
    await api(url, '/api/v1/namespaces/forced', { method: 'DELETE' });
    const finalized = await api(url, '/api/v1/namespaces/forced/finalize', { method: 'PUT', body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'forced' }, spec: { finalizers: [] } } });
    expect(finalized.status).toBe(200);
    expect((await api(url, '/api/v1/namespaces/forced')).status).toBe(404);
    expect((await api(url, '/api/v1/namespaces/forced/finalize', { method: 'GET' })).status).toBe(405);

    const system = await api(url, '/api/v1/namespaces/default', { method: 'DELETE' });
    expect(system.status).toBe(403);
    expect(system.json.message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');

    // kubectl waits for the namespace to go; it does, end to end.
    await post('/api/v1/namespaces', { metadata: { name: 'kubectl-ns' } });
    await post('/api/v1/namespaces/kubectl-ns/configmaps', { metadata: { name: 'c' } });
    const deleted = await runKubectl(referenceBinary('kubectl'), h.kubeconfig, ['delete', 'namespace', 'kubectl-ns'], 120_000);
    expect(deleted.stdout).toContain('namespace "kubectl-ns" deleted');
    expect((await api(url, '/api/v1/namespaces/kubectl-ns')).status).toBe(404);
  });

  it('health endpoints list their checks; /metrics counts requests with latency histograms', async () => {
    const { url } = harness();
    const verbose = await (await fetch(`${url}/readyz?verbose`)).text();
    expect(verbose).toContain('[+]etcd ok');
    expect(verbose.trim().endsWith('readyz check passed')).toBe(true);
    expect(await (await fetch(`${url}/livez?verbose`)).text()).toContain('livez check passed');
    const created = (text: string): number => {
      const line = text.split('\n').find((l) => l.startsWith('apiserver_request_total{') && l.includes('verb="POST"') && l.includes('resource="configmaps"') && l.includes('code="201"'));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const metrics = async () => {
      const res = await fetch(`${url}/metrics`);
      expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
      return res.text();
    };
    const before = created(await metrics());
    await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'counted' } });
    const after = await metrics();
    expect(created(after)).toBe(before + 1);
    expect(after).toContain('# TYPE apiserver_request_duration_seconds histogram');
    expect(after).toMatch(/apiserver_request_duration_seconds_bucket\{verb="POST",dry_run="",group="",version="v1",resource="configmaps",subresource="",scope="namespace",component="apiserver",le="\+Inf"\} \d+/);
  });
});
