// Slow, multi-process: real etcd 3.4 + `bin/barque apiserver`, driven by real kubectl binaries (1.20 from the
// reference cache and /usr/bin/kubectl when present) and by raw REST calls for what kubectl does not show.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { api, runKubectl, setupOnce, startHarness, startKubectl, STORES, type Harness } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';

// /usr/bin/kubectl here is Google Cloud SDK's dispatcher: it runs the kubectl matching the server's minor version
// (1.31 for our v1.31.0-barque). kubectl 1.33, the newest beside it, is run directly: it sends protobuf bodies.
const NEWER_KUBECTL = '/usr/bin/kubectl';
const NEWEST_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const kubectls: { label: string; binary: () => string }[] = [{ label: '1.20', binary: () => referenceBinary('kubectl') }];
if (existsSync(NEWER_KUBECTL)) kubectls.push({ label: 'newer', binary: () => NEWER_KUBECTL });
if (existsSync(NEWEST_KUBECTL)) kubectls.push({ label: '1.33', binary: () => NEWEST_KUBECTL });

const POD_MANIFEST = (tier: string) => `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
    tier: ${tier}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
`;

// What `delete --cascade` needs besides the apiserver: the garbage collector, and the controllers that make the
// dependents (a Deployment's ReplicaSet, its pods), in the real controller-manager; and the quota controller, which
// keeps ResourceQuota usage current.
const CONTROLLERS = ['garbagecollector', 'deployment', 'replicaset', 'resourcequota'];

const QUOTA_POD = (name: string, cpu: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: app
    image: busybox:1.36
    resources:
      requests:
        cpu: ${cpu}
      limits:
        memory: 256Mi
`;

interface Owned {
  metadata: { name: string; uid: string; ownerReferences?: { uid: string }[]; deletionTimestamp?: string };
}

for (const store of STORES) describe(`kubectl against barque apiserver on ${store === 'etcd' ? 'real etcd 3.4' : "barque's store"}`, () => {
  const harness = setupOnce(() => startHarness([], store, { controllers: CONTROLLERS }));
  afterAll(async () => {
    try {
      await harness().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });

  for (const { label, binary } of kubectls) {
    describe(`kubectl ${label}`, () => {
      const ns = `k-${label.replace('.', '-')}`;
      const k = (args: string[]) => {
        const h: Harness = harness();
        return runKubectl(binary(), h.kubeconfig, args);
      };

      it('version and api-resources', async () => {
        const version = await k(['version']);
        expect(version.stderr).not.toContain('error');
        expect(version.stdout).toContain('v1.31.0-barque');
        const resources = await k(['api-resources']);
        expect(resources.code).toBe(0);
        const lines = resources.stdout.split('\n').map((l) => l.trim().split(/\s+/));
        expect(lines).toContainEqual(['pods', 'po', 'v1', 'true', 'Pod']);
        expect(lines).toContainEqual(['configmaps', 'cm', 'v1', 'true', 'ConfigMap']);
        expect(lines).toContainEqual(['namespaces', 'ns', 'v1', 'false', 'Namespace']);
        expect(lines).toContainEqual(['secrets', 'v1', 'true', 'Secret']);
      });

      it('creates a namespace and a configmap, and gets it as yaml, json and wide', async () => {
        expect((await k(['create', 'namespace', ns])).stdout).toContain(`namespace/${ns} created`);
        const created = await k(['-n', ns, 'create', 'configmap', 'cfg', '--from-literal=a=1', '--from-literal=b=two']);
        expect(created.stderr).toBe('');
        expect(created.stdout).toContain('configmap/cfg created');
        const json = JSON.parse((await k(['-n', ns, 'get', 'cm', 'cfg', '-o', 'json'])).stdout) as { data: Record<string, string>; metadata: Record<string, string> };
        expect(json.data).toEqual({ a: '1', b: 'two' });
        expect(json.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
        expect(Number(json.metadata.resourceVersion)).toBeGreaterThan(0);
        expect((await k(['-n', ns, 'get', 'cm', 'cfg', '-o', 'yaml'])).stdout).toMatch(/data:\n {2}a: "1"\n {2}b: two\n/);
        const wide = (await k(['-n', ns, 'get', 'cm', '-o', 'wide'])).stdout.split('\n');
        expect(wide[0].split(/\s+/)).toEqual(['NAME', 'DATA', 'AGE']);
        expect(wide[1].split(/\s+/).slice(0, 2)).toEqual(['cfg', '2']);
      });

      it('applies a pod manifest twice (create, then strategic merge patch), labels and annotates it', async () => {
        const h = harness();
        const file = join(h.dir, `pod-${ns}.yaml`);
        writeFileSync(file, POD_MANIFEST('front'));
        const first = await k(['-n', ns, 'apply', '-f', file]);
        expect(first.stderr).toBe('');
        expect(first.stdout).toContain('pod/web created');
        writeFileSync(file, POD_MANIFEST('back'));
        expect((await k(['-n', ns, 'apply', '-f', file])).stdout).toContain('pod/web configured');
        expect((await k(['-n', ns, 'label', 'pod', 'web', 'env=prod'])).stdout).toContain('pod/web labeled');
        expect((await k(['-n', ns, 'annotate', 'pod', 'web', 'note=hello'])).stdout).toContain('pod/web annotated');
        // kubectl edit with a scripted editor: a strategic merge patch built from the edited YAML.
        const editor = join(h.dir, 'editor.sh');
        writeFileSync(editor, "#!/bin/sh\nsed -i 's/image: nginx:1.25/image: nginx:1.26/' \"$1\"\n");
        chmodSync(editor, 0o755);
        const edited = await runKubectl(binary(), h.kubeconfig, ['-n', ns, 'edit', 'pod', 'web'], 60_000, { EDITOR: editor });
        expect(edited.stdout).toContain('pod/web edited');
        const pod = JSON.parse((await k(['-n', ns, 'get', 'pod', 'web', '-o', 'json'])).stdout) as {
          metadata: { labels: Record<string, string>; annotations: Record<string, string>; generation: number };
          spec: { containers: { image: string; imagePullPolicy: string }[] };
          status: { phase: string };
        };
        expect(pod.metadata.labels).toEqual({ app: 'web', tier: 'back', env: 'prod' });
        expect(pod.metadata.annotations.note).toBe('hello');
        expect(pod.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain('"tier":"back"');
        expect(pod.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
        expect(pod.spec.containers[0].image).toBe('nginx:1.26');
        expect(pod.metadata.generation).toBe(2);
        expect(pod.status.phase).toBe('Pending');
        const table = (await k(['-n', ns, 'get', 'pods'])).stdout.split('\n');
        expect(table[0].split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        expect(table[1].split(/\s+/).slice(0, 4)).toEqual(['web', '0/1', 'Pending', '0']);
        const wide = (await k(['-n', ns, 'get', 'pods', '-o', 'wide'])).stdout.split('\n');
        expect(wide[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
        const selected = await k(['-n', ns, 'get', 'pods', '-l', 'tier in (back),env!=dev', '-o', 'name']);
        expect(selected.stdout.trim()).toBe('pod/web');
        expect((await k(['-n', ns, 'get', 'pods', '-l', '!env', '-o', 'name'])).stdout.trim()).toBe('');
        expect((await k(['-n', ns, 'get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name'])).stdout.trim()).toBe('pod/web');
      });

      it('diffs a changed manifest through a server-side dry run, changing nothing; --dry-run=server creates nothing', async () => {
        const h = harness();
        const file = join(h.dir, `diff-${ns}.yaml`);
        // kubectl diff finds the dryRun parameter on the kind's PATCH operation in /openapi/v2 (protobuf for 1.20).
        writeFileSync(file, POD_MANIFEST('back').replace('nginx:1.25', 'nginx:1.27'));
        const changed = await k(['-n', ns, 'diff', '-f', file]);
        expect(changed.stderr).toBe('');
        expect(changed.code).toBe(1); // differences found, as diff(1)
        expect(changed.stdout).toMatch(/^\+\s+- image: nginx:1\.27$/m);
        // A dry run writes nothing: the merged object keeps the live resourceVersion, so it is no part of the diff.
        expect(changed.stdout).not.toMatch(/^[-+]\s+resourceVersion:/m);
        const pod = JSON.parse((await k(['-n', ns, 'get', 'pod', 'web', '-o', 'json'])).stdout) as { spec: { containers: { image: string }[] } };
        expect(pod.spec.containers[0].image).not.toBe('nginx:1.27');
        const created = await k(['-n', ns, 'create', 'configmap', 'dry', '--from-literal=a=b', '--dry-run=server', '-o', 'name']);
        expect([created.code, created.stdout.trim()]).toEqual([0, 'configmap/dry']);
        expect((await k(['-n', ns, 'get', 'configmap', 'dry'])).stderr).toContain('NotFound');
      });

      it('applies a StorageClass, lists it with the default marked, and refuses changing its parameters', async () => {
        const h = harness();
        const name = `fast-${label.replace('.', '-')}`;
        const file = join(h.dir, `sc-${name}.yaml`);
        writeFileSync(
          file,
          `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: ${name}\n  annotations:\n    storageclass.kubernetes.io/is-default-class: "true"\nprovisioner: example.com/ssd\nparameters:\n  type: ssd\n`,
        );
        expect((await k(['apply', '-f', file])).stdout).toContain(`storageclass.storage.k8s.io/${name} created`);
        const table = (await k(['get', 'sc', name])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
        expect(table[0]).toEqual(['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
        expect(table[1].slice(0, 6)).toEqual([name, '(default)', 'example.com/ssd', 'Delete', 'Immediate', 'false']);
        const patched = await k(['patch', 'sc', name, '-p', '{"parameters":{"type":"hdd"}}']);
        expect(patched.stderr).toContain(`The StorageClass "${name}" is invalid: parameters: Forbidden: updates to parameters are forbidden.`);
        expect((await k(['delete', 'sc', name])).stdout).toContain(`storageclass.storage.k8s.io "${name}" deleted`);
      });

      it('applies a NetworkPolicy with its defaults and lists it with its pod selector', async () => {
        const h = harness();
        const file = join(h.dir, `netpol-${ns}.yaml`);
        writeFileSync(
          file,
          'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db\nspec:\n  podSelector:\n    matchLabels:\n      app: db\n  egress:\n  - ports:\n    - port: 5432\n',
        );
        expect((await k(['-n', ns, 'apply', '-f', file])).stdout).toContain('networkpolicy.networking.k8s.io/db created');
        const table = (await k(['-n', ns, 'get', 'netpol'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
        expect(table[0]).toEqual(['NAME', 'POD-SELECTOR', 'AGE']);
        expect(table[1].slice(0, 2)).toEqual(['db', 'app=db']);
        const np = JSON.parse((await k(['-n', ns, 'get', 'networkpolicy', 'db', '-o', 'json'])).stdout) as { spec: { policyTypes: string[]; egress: { ports: { protocol: string }[] }[] } };
        expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        expect(np.spec.egress[0].ports[0].protocol).toBe('TCP');
        expect((await k(['-n', ns, 'delete', 'netpol', 'db'])).stdout).toContain('networkpolicy.networking.k8s.io "db" deleted');
      });

      it('lists the built-in PriorityClasses and gives pods the priority of their class', async () => {
        const h = harness();
        const high = `high-${label.replace('.', '-')}`;
        const table = (await k(['get', 'pc'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
        // kube-apiserver 1.31's columns (1.32 added PREEMPTIONPOLICY): every kubectl prints what the server sends.
        expect(table[0]).toEqual(['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE']);
        expect(table.map((r) => r.slice(0, 3))).toEqual(expect.arrayContaining([['system-cluster-critical', '2000000000', 'false'], ['system-node-critical', '2000001000', 'false']]));
        const file = join(h.dir, `pc-${high}.yaml`);
        writeFileSync(
          file,
          `apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata:\n  name: ${high}\nvalue: 1000\npreemptionPolicy: Never\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: prio\n  namespace: ${ns}\nspec:\n  priorityClassName: ${high}\n  containers:\n  - name: app\n    image: busybox:1.36\n`,
        );
        const applied = await k(['apply', '-f', file]);
        expect(applied.stdout).toContain(`priorityclass.scheduling.k8s.io/${high} created`);
        expect(applied.stdout).toContain('pod/prio created');
        expect((await k(['-n', ns, 'get', 'pod', 'prio', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}'])).stdout).toBe('1000 Never');
        const unknown = join(h.dir, `pod-unknown-${ns}.yaml`);
        writeFileSync(unknown, POD_MANIFEST('x').replace('name: web', 'name: lost').replace('spec:\n', 'spec:\n  priorityClassName: nope\n'));
        expect((await k(['-n', ns, 'create', '-f', unknown])).stderr.trim()).toBe(`Error from server (Forbidden): error when creating "${unknown}": pods "lost" is forbidden: no PriorityClass with name nope was found`);
        expect((await k(['patch', 'pc', high, '-p', '{"value":7}'])).stderr.trim()).toBe(`The PriorityClass "${high}" is invalid: value: Forbidden: may not be changed in an update.`);
        expect((await k(['delete', 'pc', 'system-node-critical'])).stderr.trim()).toBe(
          'Error from server (Forbidden): priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
        );
        expect((await k(['-n', ns, 'delete', 'pod', 'prio'])).code).toBe(0);
        expect((await k(['delete', 'pc', high])).stdout).toContain(`priorityclass.scheduling.k8s.io "${high}" deleted`);
      });

      it('enforces a ResourceQuota, and get/describe show its usage as the quota controller keeps it', async () => {
        const h = harness();
        const qns = `${ns}-quota`;
        expect((await k(['create', 'namespace', qns])).code).toBe(0);
        expect((await k(['-n', qns, 'create', 'quota', 'compute', '--hard=pods=2,requests.cpu=1,limits.memory=1Gi'])).stdout).toContain('resourcequota/compute created');
        const usage = async (): Promise<string> => (await k(['-n', qns, 'get', 'quota', 'compute', '--no-headers'])).stdout.trim().split(/\s{2,}/).slice(2).join(' | ');
        // The controller fills in status; until then the quota is not enforced (status.hard is empty), as upstream.
        await eventually('the quota controller to fill in status', async () => (await usage()) === 'pods: 0/2, requests.cpu: 0/1 | limits.memory: 0/1Gi', 60_000, 200);
        const header = (await k(['-n', qns, 'get', 'quota'])).stdout.split('\n')[0].trim().split(/\s+/);
        expect(header).toEqual(['NAME', 'AGE', 'REQUEST', 'LIMIT']);
        const bare = join(h.dir, `pod-bare-${qns}.yaml`);
        writeFileSync(bare, POD_MANIFEST('x'));
        expect((await k(['-n', qns, 'create', '-f', bare])).stderr.trim()).toBe(
          `Error from server (Forbidden): error when creating "${bare}": pods "web" is forbidden: failed quota: compute: must specify limits.memory for: nginx; requests.cpu for: nginx`,
        );
        for (const [name, cpu] of [['q1', '400m'], ['q2', '500m']]) {
          const file = join(h.dir, `pod-${name}-${qns}.yaml`);
          writeFileSync(file, QUOTA_POD(name, cpu));
          expect((await k(['-n', qns, 'create', '-f', file])).stdout).toContain(`pod/${name} created`);
        }
        const third = join(h.dir, `pod-q3-${qns}.yaml`);
        writeFileSync(third, QUOTA_POD('q3', '50m'));
        expect((await k(['-n', qns, 'create', '-f', third])).stderr.trim()).toBe(
          `Error from server (Forbidden): error when creating "${third}": pods "q3" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2`,
        );
        expect(await usage()).toBe('pods: 2/2, requests.cpu: 900m/1 | limits.memory: 512Mi/1Gi');
        const described = (await k(['-n', qns, 'describe', 'quota', 'compute'])).stdout;
        expect(described).toMatch(/^Resource\s+Used\s+Hard$/m);
        expect(described).toMatch(/^pods\s+2\s+2$/m);
        expect(described).toMatch(/^requests\.cpu\s+900m\s+1$/m);
        // Deleting gives the quota back once the controller has seen it.
        expect((await k(['-n', qns, 'delete', 'pod', 'q1'])).code).toBe(0);
        await eventually('usage to come down', async () => (await usage()) === 'pods: 1/2, requests.cpu: 500m/1 | limits.memory: 256Mi/1Gi', 60_000, 200);
        expect((await k(['-n', qns, 'create', '-f', third])).stdout).toContain('pod/q3 created');
        expect((await k(['delete', 'namespace', qns])).code).toBe(0);
      });

      it('describes the pod and the configmap', async () => {
        const pod = await k(['-n', ns, 'describe', 'pod', 'web']);
        expect(pod.stderr).toBe('');
        expect(pod.stdout).toMatch(/^Name:\s+web$/m);
        expect(pod.stdout).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
        expect(pod.stdout).toMatch(/^Labels:\s+app=web$/m);
        expect(pod.stdout).toMatch(/^Status:\s+Pending$/m);
        expect(pod.stdout).toMatch(/^\s+Image:\s+nginx:1\.26$/m);
        expect(pod.stdout).toMatch(/^Tolerations:\s+node\.kubernetes\.io\/not-ready:NoExecute op=Exists for 300s$/m);
        expect(pod.stdout).toMatch(/^Events:/m);
        const cm = await k(['-n', ns, 'describe', 'configmap', 'cfg']);
        expect(cm.stderr).toBe('');
        expect(cm.stdout).toMatch(/^Name:\s+cfg$/m);
        // kubectl walks a Go map here: the keys come in any order.
        expect(cm.stdout).toMatch(/^Data\n====\n/m);
        expect(cm.stdout).toMatch(/^a:\n----\n1$/m);
        expect(cm.stdout).toMatch(/^b:\n----\ntwo$/m);
      });

      it('watches with get -w while the pod changes and goes away, then reports NotFound', async () => {
        const h = harness();
        const watch = startKubectl(binary(), h.kubeconfig, ['-n', ns, 'get', 'pods', '-w', '--output-watch-events']);
        try {
          await watch.until((out) => /ADDED\s+web/.test(out));
          expect((await k(['-n', ns, 'label', 'pod', 'web', 'watched=yes'])).code).toBe(0);
          expect((await k(['-n', ns, 'delete', 'pod', 'web'])).stdout).toContain('pod "web" deleted');
          const out = await watch.until((o) => /DELETED\s+web/.test(o));
          expect(out).toMatch(/EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
          expect(out).toMatch(/ADDED\s+web\s+0\/1\s+Pending/);
          expect(out).toMatch(/MODIFIED\s+web/);
          expect(out).toMatch(/DELETED\s+web/);
        } finally {
          watch.stop();
        }
        const missing = await k(['-n', ns, 'get', 'pod', 'web']);
        expect(missing.code).toBe(1);
        expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "web" not found');
        const other = await k(['-n', ns, 'get', 'pod', 'x']);
        expect(other.stderr.trim()).toBe('Error from server (NotFound): pods "x" not found');
      });

      it('gets across namespaces with -A (NAMESPACE column), also get all -A', async () => {
        const h = harness();
        const [one, other] = [`${ns}-a`, `${ns}-b`];
        for (const name of [one, other]) expect((await k(['create', 'namespace', name])).code).toBe(0);
        for (const [where, name] of [[one, 'a1'], [other, 'b1']]) {
          const res = await api(h.url, `/api/v1/namespaces/${where}/pods`, { method: 'POST', body: { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } });
          expect(res.status).toBe(201);
        }
        const rows = (await k(['get', 'pods', '-A'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
        expect(rows[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
        expect(rows.map((r) => r.slice(0, 4))).toEqual(expect.arrayContaining([[one, 'a1', '0/1', 'Pending'], [other, 'b1', '0/1', 'Pending']]));
        const all = (await k(['get', 'all', '-A'])).stdout;
        expect(all).toMatch(new RegExp(`^${one}\\s+pod/a1\\s+0/1\\s+Pending`, 'm'));
        expect(all).toMatch(new RegExp(`^${other}\\s+pod/b1\\s+0/1\\s+Pending`, 'm'));
        expect((await k(['delete', 'namespace', one, other])).code).toBe(0);
      });

      it('deletes with cascade: orphaned dependents stay without owner references, background and foreground remove them', async () => {
        const h = harness();
        const gcNs = `${ns}-gc`;
        expect((await k(['create', 'namespace', gcNs])).code).toBe(0);
        const list = async (resource: string, app: string): Promise<Owned[]> =>
          ((await api(h.url, `${resource === 'pods' ? '/api/v1' : '/apis/apps/v1'}/namespaces/${gcNs}/${resource}?labelSelector=app%3D${app}`)).json as { items: Owned[] }).items;
        // A Deployment of two: the controllers make its ReplicaSet and pods, each owned by the one above.
        const deployment = async (name: string): Promise<{ rs: Owned; pods: Owned[] }> => {
          expect((await k(['-n', gcNs, 'create', 'deployment', name, '--image=busybox:1', '--replicas=2'])).code).toBe(0);
          return eventually(`${name}'s ReplicaSet and two pods`, async () => {
            const [rs] = await list('replicasets', name);
            const pods = await list('pods', name);
            return rs !== undefined && pods.length === 2 && pods.every((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid) ? { rs, pods } : null;
          }, 60_000, 200);
        };
        const newer = label !== '1.20';
        // kubectl 1.20 takes true|false (propagationPolicy Background|Orphan); newer ones name the policy.
        const orphan = newer ? 'orphan' : 'false';
        const background = newer ? 'background' : 'true';

        const first = await deployment('orph');
        const orphaned = await k(['-n', gcNs, 'delete', 'deployment', 'orph', `--cascade=${orphan}`]);
        expect(orphaned.stdout).toContain('deployment.apps "orph" deleted');
        // kubectl waited for the Deployment to go: the GC removed the orphan finalizer after the owner references.
        const [rs] = await list('replicasets', 'orph');
        expect(rs.metadata.uid).toBe(first.rs.metadata.uid);
        expect(rs.metadata.ownerReferences ?? []).toEqual([]);
        const pods = await list('pods', 'orph');
        expect(pods.map((p) => p.metadata.uid).sort()).toEqual(first.pods.map((p) => p.metadata.uid).sort());
        expect(pods.every((p) => p.metadata.deletionTimestamp === undefined)).toBe(true);

        // Background: the ReplicaSet goes at once, the collector then deletes its pods.
        const bg = await k(['-n', gcNs, 'delete', 'replicaset', rs.metadata.name, `--cascade=${background}`]);
        expect(bg.stdout).toContain(`replicaset.apps "${rs.metadata.name}" deleted`);
        expect(await list('replicasets', 'orph')).toEqual([]);
        await eventually('the orphaned ReplicaSet\'s pods collected', async () => (await list('pods', 'orph')).length === 0, 60_000, 200);

        if (newer) {
          // Foreground: the Deployment is gone only after its ReplicaSet and pods (blockOwnerDeletion) are.
          await deployment('fg');
          const fg = await k(['-n', gcNs, 'delete', 'deployment', 'fg', '--cascade=foreground']);
          expect(fg.stdout).toContain('deployment.apps "fg" deleted');
          expect(await list('replicasets', 'fg')).toEqual([]);
          expect(await list('pods', 'fg')).toEqual([]);
        }
        expect((await k(['delete', 'namespace', gcNs])).code).toBe(0);
      });

      it('deletes the configmap and the namespace', async () => {
        expect((await k(['-n', ns, 'delete', 'cm', 'cfg'])).stdout).toContain('configmap "cfg" deleted');
        expect((await k(['delete', 'namespace', ns])).stdout).toContain(`namespace "${ns}" deleted`);
        expect((await k(['get', 'namespace', ns])).stderr.trim()).toBe(`Error from server (NotFound): namespaces "${ns}" not found`);
      });
    });
  }

  describe('REST API', () => {
    it('answers a stale update with 409 Conflict in Kubernetes words', async () => {
      const { url } = harness();
      const created = await api(url, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'cc' }, data: { v: '1' } } });
      expect(created.status).toBe(201);
      const stale = created.json as { metadata: { resourceVersion: string } };
      const first = await api(url, '/api/v1/namespaces/default/configmaps/cc', { method: 'PUT', body: { ...stale, data: { v: '2' } } });
      expect(first.status).toBe(200);
      const second = await api(url, '/api/v1/namespaces/default/configmaps/cc', { method: 'PUT', body: { ...stale, data: { v: '3' } } });
      expect(second.status).toBe(409);
      expect(second.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Operation cannot be fulfilled on configmaps "cc": the object has been modified; please apply your changes to the latest version and try again',
        reason: 'Conflict',
        details: { name: 'cc', kind: 'configmaps' },
        code: 409,
      });
      const again = await api(url, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: { metadata: { name: 'cc' } } });
      expect(again.json).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'configmaps "cc" already exists' });
    });

    it('refuses objects in missing namespaces, invalid pods and unknown methods', async () => {
      const { url } = harness();
      const noNs = await api(url, '/api/v1/namespaces/nope/configmaps', { method: 'POST', body: { metadata: { name: 'x' } } });
      expect(noNs.json).toMatchObject({ code: 404, reason: 'NotFound', message: 'namespaces "nope" not found' });
      const bad = await api(url, '/api/v1/namespaces/default/pods', { method: 'POST', body: { metadata: { name: 'p' }, spec: {} } });
      expect(bad.json).toMatchObject({
        code: 422,
        reason: 'Invalid',
        message: 'Pod "p" is invalid: spec.containers: Required value',
        details: { causes: [{ reason: 'FieldValueRequired', field: 'spec.containers' }] },
      });
      expect((await api(url, '/api/v1/namespaces/default/pods/p', { method: 'POST', body: {} })).json).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
      expect((await api(url, '/api/v1/namespaces/default/pods', { method: 'DELETE', body: {}, headers: {} })).status).toBe(200);
      expect((await api(url, '/api/v1/default', {})).json).toMatchObject({ code: 404, reason: 'NotFound' });
    });

    it('keeps status apart: the object ignores status, /status changes only status; JSON patch bumps generation', async () => {
      const { url } = harness();
      const base = '/api/v1/namespaces/default/pods';
      const pod = { metadata: { name: 'st' }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } };
      expect((await api(url, base, { method: 'POST', body: pod })).status).toBe(201);
      const current = (await api(url, `${base}/st`)).json as { status: Record<string, unknown>; metadata: Record<string, unknown> };
      const withStatus = await api(url, `${base}/st/status`, { method: 'PUT', body: { ...current, status: { ...current.status, phase: 'Running', podIP: '10.0.0.9' }, metadata: { ...current.metadata, labels: { ignored: 'yes' } } } });
      expect(withStatus.json).toMatchObject({ status: { phase: 'Running', podIP: '10.0.0.9' } });
      expect((withStatus.json as { metadata: { labels?: unknown } }).metadata.labels).toBeUndefined();
      const ignored = await api(url, `${base}/st`, { method: 'PATCH', body: { status: { phase: 'Failed' }, metadata: { labels: { a: 'b' } } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(ignored.json).toMatchObject({ status: { phase: 'Running' }, metadata: { labels: { a: 'b' }, generation: 1 } });
      const jsonPatched = await api(url, `${base}/st`, {
        method: 'PATCH',
        body: [{ op: 'replace', path: '/spec/containers/0/image', value: 'busybox:2' }],
        headers: { 'Content-Type': 'application/json-patch+json' },
      });
      expect(jsonPatched.json).toMatchObject({ spec: { containers: [{ image: 'busybox:2' }] }, metadata: { generation: 2 } });
      const immutable = await api(url, `${base}/st`, { method: 'PATCH', body: { spec: { restartPolicy: 'Never' } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(immutable.json).toMatchObject({ code: 422, reason: 'Invalid' });
      const applyPatch = await api(url, `${base}/st`, { method: 'PATCH', body: {}, headers: { 'Content-Type': 'application/apply-patch+yaml' } });
      expect(applyPatch.json).toMatchObject({ code: 422, reason: 'Invalid', details: { kind: 'PatchOptions', causes: [{ field: 'fieldManager' }] } });
      const deleted = await api(url, `${base}/st`, { method: 'DELETE', body: { propagationPolicy: 'Background' } });
      expect(deleted.json).toMatchObject({ kind: 'Pod', metadata: { name: 'st' } });
      const cm = await api(url, '/api/v1/namespaces/default/configmaps/cc', { method: 'DELETE', body: { propagationPolicy: 'Background' } });
      expect(cm.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Success', details: { name: 'cc', kind: 'configmaps' } });
    });

    it('pages a list with limit/continue and generates names', async () => {
      const { url } = harness();
      for (let i = 0; i < 5; i++) {
        const res = await api(url, '/api/v1/namespaces/default/secrets', { method: 'POST', body: { metadata: { generateName: 'page-', labels: { page: 'yes' } }, stringData: { i: String(i) } } });
        expect(res.status).toBe(201);
        expect((res.json as { metadata: { name: string } }).metadata.name).toMatch(/^page-[a-z0-9]{5}$/);
        expect((res.json as { type: string }).type).toBe('Opaque');
      }
      const names: string[] = [];
      let token = '';
      let pages = 0;
      do {
        const res = await api(url, `/api/v1/namespaces/default/secrets?limit=2&labelSelector=page%3Dyes${token === '' ? '' : `&continue=${token}`}`);
        const list = res.json as { metadata: { continue?: string; remainingItemCount?: number }; items: { metadata: { name: string } }[] };
        names.push(...list.items.map((s) => s.metadata.name));
        token = list.metadata.continue ?? '';
        pages++;
      } while (token !== '' && pages < 10);
      expect(pages).toBe(3);
      expect(names).toHaveLength(5);
      expect([...names].sort()).toEqual(names);
      const unselected = (await api(url, '/api/v1/namespaces/default/secrets?limit=1')).json as { metadata: { continue?: string; remainingItemCount?: number } };
      expect(unselected.metadata.continue).toBeTruthy();
      expect(unselected.metadata.remainingItemCount).toBeGreaterThanOrEqual(4);
      const badToken = await api(url, '/api/v1/namespaces/default/secrets?limit=2&continue=bm9wZQ');
      expect(badToken.json).toMatchObject({ code: 400, reason: 'BadRequest' });
    });

    it('answers a watch from a resourceVersion older than the cache with an ERROR event carrying 410 Expired', async () => {
      const { url } = harness();
      const res = await fetch(`${url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=5`);
      expect(res.status).toBe(200);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: Record<string, unknown> });
      expect(lines).toHaveLength(1);
      expect(lines[0].type).toBe('ERROR');
      expect(lines[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      expect(String(lines[0].object.message)).toMatch(/^too old resource version: 1 \(\d+\)$/);
    });

    it('serves plain discovery to an aggregated-discovery request, health, and the OpenAPI stand-ins', async () => {
      const { url } = harness();
      const aggregated = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
      const apis = await api(url, '/apis', { headers: { Accept: aggregated } });
      expect(apis.contentType).toBe('application/json');
      expect(apis.json.kind).toBe('APIGroupList');
      expect((await api(url, '/api', { headers: { Accept: aggregated } })).json.kind).toBe('APIVersions');
      const v1 = (await api(url, '/api/v1')).json as { resources: { name: string; verbs: string[]; categories?: string[] }[] };
      expect(v1.resources.find((r) => r.name === 'pods')?.categories).toEqual(['all']);
      expect(v1.resources.find((r) => r.name === 'pods/status')?.verbs).toEqual(['get', 'patch', 'update']);
      for (const path of ['/healthz', '/livez', '/readyz']) expect(await (await fetch(`${url}${path}`)).text()).toBe('ok');
      expect(Object.keys((await api(url, '/openapi/v3')).json.paths as object)).toContain('api/v1');
      const proto = await fetch(`${url}/openapi/v2`, { headers: { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
      expect(proto.headers.get('content-type')).toBe('application/octet-stream');
      expect(Buffer.from(await proto.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('\n\x032.0');
    });
  });
});
