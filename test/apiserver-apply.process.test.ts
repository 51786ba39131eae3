// Slow, multi-process: patch semantics end to end. Real etcd 3.4 + `bin/barque apiserver`, driven by kubectl 1.20
// (reference cache) and the newer kubectl on PATH: client-side and server-side apply re-applied with changes, field
// manager conflicts and --force-conflicts, kubectl patch of all three types, kubectl edit through a scripted
// EDITOR, managedFields as kubectl shows them; and the raw REST answers kubectl does not print in full.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { api, runKubectl, setupOnce, startHarness, STORES, type Harness } from './apiserver-harness.ts';

const NEWER_KUBECTL = '/usr/bin/kubectl';
const kubectls: { label: string; binary: () => string; hidesManagedFields: boolean }[] = [
  { label: '1.20', binary: () => referenceBinary('kubectl'), hidesManagedFields: false },
];
if (existsSync(NEWER_KUBECTL)) kubectls.push({ label: 'newer', binary: () => NEWER_KUBECTL, hidesManagedFields: true });

const deploymentYaml = (replicas: number, image: string, extraLabel = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web${extraLabel === '' ? '' : `\n    ${extraLabel}`}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports:
        - containerPort: 80
`;

const configMapYaml = (data: Record<string, string>) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
${Object.entries(data)
  .map(([k, v]) => `  ${k}: "${v}"`)
  .join('\n')}
`;

interface ManagedEntry {
  manager: string;
  operation: string;
  apiVersion: string;
  time?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
}

interface Deployment {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string>; managedFields?: ManagedEntry[]; generation: number };
  spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
}

describe.each(STORES)('patch and apply against barque apiserver on %s', (store) => {
  const harness = setupOnce(() => startHarness([], store));
  afterAll(async () => {
    try {
      await harness().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });

  for (const { label, binary, hidesManagedFields } of kubectls) {
    describe(`kubectl ${label}`, () => {
      const ns = `apply-${label.replace('.', '-')}`;
      const k = (args: string[], env: Record<string, string> = {}) => runKubectl(binary(), harness().kubeconfig, ['-n', ns, ...args], 90_000, env);
      const file = (name: string, text: string) => {
        const path = join(harness().dir, `${ns}-${name}.yaml`);
        writeFileSync(path, text);
        return path;
      };
      const getDeployment = async (): Promise<Deployment> => JSON.parse((await k(['get', 'deployment', 'web', '-o', 'json', '--show-managed-fields'].filter((a) => hidesManagedFields || a !== '--show-managed-fields'))).stdout) as Deployment;

      it('client-side apply twice with changes: strategic merge patch from the last-applied annotation', async () => {
        expect((await runKubectl(binary(), harness().kubeconfig, ['create', 'namespace', ns])).code).toBe(0);
        const first = await k(['apply', '-f', file('deploy', deploymentYaml(1, 'nginx:1.25', 'tier: front'))]);
        expect(first.stderr).toBe('');
        expect(first.stdout).toContain('deployment.apps/web created');
        const second = await k(['apply', '-f', file('deploy', deploymentYaml(2, 'nginx:1.26'))]);
        expect(second.stderr).toBe('');
        expect(second.stdout).toContain('deployment.apps/web configured');
        const d = await getDeployment();
        expect(d.spec.replicas).toBe(2);
        expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual(['nginx:1.26']);
        expect(d.metadata.labels).toEqual({ app: 'web' }); // tier was in the last applied configuration: removed
        expect(JSON.parse(d.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}')).toMatchObject({ spec: { replicas: 2 } });
        const managers = (d.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}`);
        expect(managers).toContain('kubectl-client-side-apply/Update');
        for (const e of d.metadata.managedFields ?? []) {
          expect(e).toMatchObject({ apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
          expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        }
      });

      it('patches with --type strategic ($patch: delete on a container), merge and json', async () => {
        const sidecar = await k(['patch', 'deployment', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}']);
        expect(sidecar.stdout).toContain('deployment.apps/web patched');
        expect((await getDeployment()).spec.template.spec.containers.map((c) => c.name)).toEqual(['sidecar', 'nginx']);
        const removed = await k(['patch', 'deployment', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}']);
        expect(removed.stdout).toContain('deployment.apps/web patched');
        expect((await getDeployment()).spec.template.spec.containers.map((c) => c.name)).toEqual(['nginx']);
        expect((await k(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}'])).code).toBe(0);
        expect((await k(['patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]'])).code).toBe(0);
        const d = await getDeployment();
        expect(d.metadata.labels).toEqual({ app: 'web', patched: 'merge' });
        expect(d.spec.replicas).toBe(3);
        const bad = await k(['patch', 'deployment', 'web', '--type', 'strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}']);
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toContain('does not contain declared merge key: name');
      });

      it('edits through a scripted EDITOR', async () => {
        const editor = join(harness().dir, `editor-${ns}.sh`);
        writeFileSync(editor, "#!/bin/sh\nsed -i 's/image: nginx:1.26/image: nginx:1.27/' \"$1\"\n");
        chmodSync(editor, 0o755);
        const edited = await k(['edit', 'deployment', 'web'], { EDITOR: editor, KUBE_EDITOR: editor });
        expect(edited.stdout).toContain('deployment.apps/web edited');
        const d = await getDeployment();
        expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.27');
        const owner = (d.metadata.managedFields ?? []).find((e) => JSON.stringify(e.fieldsV1).includes('"f:image"'));
        expect(owner?.operation).toBe('Update');
        expect(owner?.manager).toMatch(/^kubectl/);
      });

      it('server-side apply twice with changes; fields dropped from the configuration go away', async () => {
        const first = await k(['apply', '--server-side', '-f', file('cm', configMapYaml({ a: '1', b: '2' }))]);
        expect(first.stderr).toBe('');
        expect(first.stdout).toContain('configmap/settings serverside-applied');
        const second = await k(['apply', '--server-side', '-f', file('cm', configMapYaml({ a: '10', c: '3' }))]);
        expect(second.stdout).toContain('configmap/settings serverside-applied');
        const cm = JSON.parse((await k(['get', 'configmap', 'settings', '-o', 'json', ...(hidesManagedFields ? ['--show-managed-fields'] : [])])).stdout) as {
          data: Record<string, string>;
          metadata: { managedFields: ManagedEntry[] };
        };
        expect(cm.data).toEqual({ a: '10', c: '3' });
        expect(cm.metadata.managedFields).toHaveLength(1);
        expect(cm.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:c': {} } } });
      });

      it('reports a conflict between field managers, and --force-conflicts takes the field over', async () => {
        const path = file('deploy-ssa', deploymentYaml(3, 'nginx:1.27'));
        const mine = await k(['apply', '--server-side', '--field-manager=team-a', '-f', path]);
        expect(mine.stderr).toBe('');
        expect(mine.stdout).toContain('deployment.apps/web serverside-applied');
        const theirs = await k(['apply', '--server-side', '--field-manager=team-b', '-f', file('deploy-ssa-b', deploymentYaml(5, 'nginx:1.27'))]);
        expect(theirs.code).not.toBe(0);
        // replicas 3 was also set by the earlier JSON patch: that manager still shares the field.
        expect(theirs.stderr).toContain('Apply failed with 2 conflicts: conflicts with "kubectl');
        expect(theirs.stderr).toContain('conflicts with "team-a" using apps/v1:\n- .spec.replicas\n');
        expect(theirs.stderr).toContain('--force-conflicts');
        const forced = await k(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', file('deploy-ssa-b', deploymentYaml(5, 'nginx:1.27'))]);
        expect(forced.stderr).toBe('');
        expect(forced.stdout).toContain('deployment.apps/web serverside-applied');
        const d = await getDeployment();
        expect(d.spec.replicas).toBe(5);
        const teamA = (d.metadata.managedFields ?? []).find((e) => e.manager === 'team-a');
        const teamB = (d.metadata.managedFields ?? []).find((e) => e.manager === 'team-b');
        expect(teamB).toMatchObject({ operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
        expect(JSON.stringify(teamA?.fieldsV1 ?? {})).not.toContain('f:replicas');
      });

      it('shows managedFields only when asked (newer kubectl) and always (1.20)', async () => {
        const plain = (await k(['get', 'deployment', 'web', '-o', 'yaml'])).stdout;
        if (hidesManagedFields) {
          expect(plain).not.toContain('managedFields:');
          const shown = (await k(['get', 'deployment', 'web', '-o', 'yaml', '--show-managed-fields'])).stdout;
          expect(shown).toContain('managedFields:');
          expect(shown).toMatch(/manager: team-b\n\s+operation: Apply/);
          expect(shown).toContain('fieldsType: FieldsV1');
        } else {
          expect(plain).toMatch(/manager: team-b\n\s+operation: Apply/);
        }
        expect((await runKubectl(binary(), harness().kubeconfig, ['delete', 'namespace', ns])).code).toBe(0);
      });
    });
  }

  describe('REST API', () => {
    const base = '/api/v1/namespaces/default/configmaps';
    const applyHeaders = { 'Content-Type': 'application/apply-patch+yaml' };

    it('requires a fieldManager for apply and refuses force on other patches, in PatchOptions words', async () => {
      const { url }: Harness = harness();
      const missing = await api(url, `${base}/x`, { method: 'PATCH', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, headers: applyHeaders });
      expect(missing.status).toBe(422);
      expect(missing.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        reason: 'Invalid',
        details: { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] },
        code: 422,
      });
      const forced = await api(url, `${base}/x?force=true`, { method: 'PATCH', body: {}, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(forced.json).toMatchObject({ code: 422, message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch' });
    });

    it('creates on apply (201), takes YAML bodies, and answers conflicts with FieldManagerConflict causes', async () => {
      const { url } = harness();
      const yaml = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  key: "${v}"\n`;
      const send = (manager: string, body: string, extra = '') =>
        fetch(`${url}${base}/ssa?fieldManager=${manager}${extra}`, { method: 'PATCH', headers: applyHeaders, body }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      const created = await send('alpha', yaml('1'));
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ kind: 'ConfigMap', data: { key: '1' }, metadata: { managedFields: [{ manager: 'alpha', operation: 'Apply', fieldsV1: { 'f:data': { 'f:key': {} } } }] } });
      expect((await send('alpha', yaml('2'))).status).toBe(200);
      const conflict = await send('beta', yaml('3'));
      expect(conflict.status).toBe(409);
      expect(conflict.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "alpha" using v1: .data.key',
        reason: 'Conflict',
        details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "alpha" using v1', field: '.data.key' }] },
        code: 409,
      });
      const forced = await send('beta', yaml('3'), '&force=true');
      expect(forced.json).toMatchObject({ data: { key: '3' }, metadata: { managedFields: [{ manager: 'beta', operation: 'Apply' }] } });
      const wrongVersion = await send('beta', 'apiVersion: v2\nkind: ConfigMap\nmetadata:\n  name: ssa\n');
      expect(wrongVersion.json).toMatchObject({ code: 400, message: 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1' });
      const badYaml = await send('beta', 'metadata: [unclosed');
      expect(badYaml.json).toMatchObject({ code: 400, reason: 'BadRequest' });
      expect(String(badYaml.json.message)).toMatch(/^error decoding YAML: /);
    });

    it('records Update managers from fieldManager or the user agent on create, update and patch', async () => {
      const { url } = harness();
      const created = await api(url, `${base}?fieldManager=creator`, { method: 'POST', body: { metadata: { name: 'upd' }, data: { a: '1' } } });
      expect(created.json).toMatchObject({ metadata: { managedFields: [{ manager: 'creator', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {} } } }] } });
      const patched = await api(url, `${base}/upd`, { method: 'PATCH', body: { data: { b: '2' } }, headers: { 'Content-Type': 'application/merge-patch+json', 'User-Agent': 'my-controller/v0.1 (linux/amd64)' } });
      const entries = (patched.json as { metadata: { managedFields: ManagedEntry[] } }).metadata.managedFields;
      expect(entries.map((e) => e.manager)).toEqual(['creator', 'my-controller']);
      expect(entries[1].fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });
    });
  });
});
