// Slow, multi-process: real etcd 3.4 + `bin/barque apiserver` (and a second apiserver on the same etcd), driven by
// kubectl 1.20 and the newer kubectl for the workload kinds, and by raw REST for subresources and allocation.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { api, runKubectl, setupOnce, startHarness, STORES } from './apiserver-harness.ts';
import { eventually, startApiserverProcess } from './apiserver-grpc-process.ts';
import { stopChild } from './process-helpers.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NEWER_KUBECTL = '/usr/bin/kubectl';
// kubectl 1.33's typed `create deployment|job|cronjob` send protobuf bodies.
const NEWEST_KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const kubectls: { label: string; binary: () => string }[] = [{ label: '1.20', binary: () => referenceBinary('kubectl') }];
if (existsSync(NEWER_KUBECTL)) kubectls.push({ label: 'newer', binary: () => NEWER_KUBECTL });

const SERVICE_RANGE = '127.10.0.0/16';
/** The `kubernetes` endpoint reconciler renewing every 300 ms, entries living 3 s: an apiserver killed drops out soon. */
const FAST_ENDPOINT_RECONCILER = ['--endpoint-reconciler-interval=300ms', '--endpoint-reconciler-ttl=3s'];

const WORKLOADS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.25"}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: cache}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec: {containers: [{name: redis, image: redis}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {nodeSelector: {disk: ssd}, containers: [{name: agent, image: "busybox:1.36"}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: "postgres:16"}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  template:
    metadata: {labels: {app: legacy}}
    spec: {containers: [{name: app, image: "busybox:1.36"}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: run, image: "busybox:1.36", command: ["true"]}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec: {restartPolicy: OnFailure, containers: [{name: run, image: "busybox:1.36"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets:
- addresses: [{ip: 127.0.0.11}, {ip: 127.0.0.12}]
  ports: [{port: 8080}]
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: leader}
spec: {holderIdentity: m0, leaseDurationSeconds: 15}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: front}
spec:
  rules:
  - host: example.test
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints: [{addresses: [127.0.0.11]}]
`;

const NODE = (name: string) => `apiVersion: v1
kind: Node
metadata: {name: ${name}, labels: {node-role.kubernetes.io/worker: ""}}
`;

const BAD_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: bad}
spec:
  replicas: -1
  selector: {matchLabels: {app: other}}
  template:
    metadata: {labels: {app: bad}}
    spec: {containers: []}
`;

const table = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));

/** A second apiserver on the same etcd, as a child process: allocation must hold across apiservers. */
async function startApiserver(etcdUrls: string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'barque'), 'apiserver', `--etcd-servers=${etcdUrls.join(',')}`, '--port=0', '--grpc-port=0', `--service-cluster-ip-range=${SERVICE_RANGE}`], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BARQUE_LOG_LEVEL: 'warn' },
  });
  const stop = (): Promise<void> => stopChild(child);
  let log = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`second apiserver did not start:\n${log}`)), 60_000);
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      log += c.toString();
      const m = /apiserver listening on (http:\/\/\S+)/.exec(log);
      if (m !== null) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      fail(new Error(`second apiserver exited with ${code}:\n${log}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { url, stop };
}

describe.each(STORES)('the full resource set against barque apiserver on %s', (store) => {
  const harness = setupOnce(() => startHarness([`--service-cluster-ip-range=${SERVICE_RANGE}`, ...FAST_ENDPOINT_RECONCILER], store));
  afterAll(async () => {
    try {
      await harness().stop();
    } catch {
      // setup failed: nothing to stop
    }
  });

  for (const { label, binary } of kubectls) {
    describe(`kubectl ${label}`, () => {
      const ns = `r-${label.replace('.', '-')}`;
      const node = `node-${label.replace('.', '-')}`;
      const k = (args: string[]) => runKubectl(binary(), harness().kubeconfig, args);

      it('api-resources lists every kind with its short names and group', async () => {
        const res = await k(['api-resources']);
        expect(res.code).toBe(0);
        const rows = res.stdout.split('\n').map((l) => l.trim().split(/\s+/));
        for (const row of [
          ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
          ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
          ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
          ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
          ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController'],
          ['jobs', 'batch/v1', 'true', 'Job'],
          ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
          ['nodes', 'no', 'v1', 'false', 'Node'],
          ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
          ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
          ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
          ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
          ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
          ['services', 'svc', 'v1', 'true', 'Service'],
        ]) {
          expect(rows).toContainEqual(row);
        }
      });

      it('creates every kind from one manifest and prints kubectl columns', async () => {
        const dir = harness().dir;
        expect((await k(['create', 'namespace', ns])).code).toBe(0);
        const file = join(dir, `workloads-${ns}.yaml`);
        writeFileSync(file, WORKLOADS);
        const created = await k(['-n', ns, 'create', '-f', file]);
        expect(created.stderr).toBe('');
        for (const what of ['deployment.apps/web', 'replicaset.apps/cache', 'daemonset.apps/agent', 'statefulset.apps/db', 'replicationcontroller/legacy', 'job.batch/once', 'cronjob.batch/nightly', 'service/web', 'serviceaccount/robot', 'endpoints/web', 'lease.coordination.k8s.io/leader', 'ingress.networking.k8s.io/front', 'endpointslice.discovery.k8s.io/web-abc']) {
          expect(created.stdout).toContain(`${what} created`);
        }
        const nodeFile = join(dir, `${node}.yaml`);
        writeFileSync(nodeFile, NODE(node));
        expect((await k(['create', '-f', nodeFile])).stdout).toContain(`node/${node} created`);

        const deploy = table((await k(['-n', ns, 'get', 'deploy', '-o', 'wide'])).stdout);
        expect(deploy[0]).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
        expect(deploy[1].filter((_, i) => i !== 4)).toEqual(['web', '0/2', '0', '0', 'nginx', 'nginx:1.25', 'app=web']);
        const rs = table((await k(['-n', ns, 'get', 'rs'])).stdout);
        expect(rs[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
        expect(rs[1].slice(0, 4)).toEqual(['cache', '1', '0', '0']);
        const rc = table((await k(['-n', ns, 'get', 'rc', '-o', 'wide'])).stdout);
        expect(rc[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
        expect(rc[1].filter((_, i) => i !== 4)).toEqual(['legacy', '1', '0', '0', 'app', 'busybox:1.36', 'app=legacy']);
        const ds = table((await k(['-n', ns, 'get', 'ds'])).stdout);
        expect(ds[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']);
        expect(ds[1].slice(0, 7)).toEqual(['agent', '0', '0', '0', '0', '0', 'disk=ssd']);
        const sts = table((await k(['-n', ns, 'get', 'sts', '-o', 'wide'])).stdout);
        expect(sts[0]).toEqual(['NAME', 'READY', 'AGE', 'CONTAINERS', 'IMAGES']);
        expect([sts[1][0], sts[1][1], sts[1][3], sts[1][4]]).toEqual(['db', '0/1', 'pg', 'postgres:16']);
        const job = table((await k(['-n', ns, 'get', 'job'])).stdout);
        expect(job[0]).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
        expect(job[1].slice(0, 3)).toEqual(['once', 'Running', '0/1']);
        const cj = table((await k(['-n', ns, 'get', 'cj'])).stdout);
        expect(cj[0]).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
        expect(cj[1].slice(0, 6)).toEqual(['nightly', '0 3 * * *', '<none>', 'False', '0', '<none>']);
        const svc = table((await k(['-n', ns, 'get', 'svc'])).stdout);
        expect(svc[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
        expect(svc[1][0]).toBe('web');
        expect(svc[1][1]).toBe('NodePort');
        expect(svc[1][2]).toMatch(/^127\.10\.\d+\.\d+$/);
        expect(svc[1][4]).toMatch(/^80:3\d{4}\/TCP$/);
        const ep = table((await k(['-n', ns, 'get', 'ep'])).stdout);
        expect(ep[0]).toEqual(['NAME', 'ENDPOINTS', 'AGE']);
        expect(ep[1].slice(0, 2)).toEqual(['web', '127.0.0.11:8080,127.0.0.12:8080']);
        const sa = table((await k(['-n', ns, 'get', 'sa', 'robot'])).stdout);
        expect(sa[0]).toEqual(['NAME', 'SECRETS', 'AGE']);
        expect(sa[1].slice(0, 2)).toEqual(['robot', '0']);
        const lease = table((await k(['-n', ns, 'get', 'lease'])).stdout);
        expect(lease[0]).toEqual(['NAME', 'HOLDER', 'AGE']);
        expect(lease[1].slice(0, 2)).toEqual(['leader', 'm0']);
        const ing = table((await k(['-n', ns, 'get', 'ing'])).stdout);
        expect(ing[0]).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
        expect(ing[1].slice(0, 3)).toEqual(['front', '<none>', 'example.test']);
        const slices = table((await k(['-n', ns, 'get', 'endpointslices'])).stdout);
        expect(slices[0]).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
        expect(slices[1].slice(0, 4)).toEqual(['web-abc', 'IPv4', '8080', '127.0.0.11']);
        const nodes = table((await k(['get', 'no', node])).stdout);
        expect(nodes[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
        expect(nodes[1].slice(0, 3)).toEqual([node, 'Unknown', 'worker']);
      });

      it('get all lists the workloads and services of the namespace', async () => {
        const all = await k(['-n', ns, 'get', 'all']);
        expect(all.code).toBe(0);
        for (const what of ['deployment.apps/web', 'replicaset.apps/cache', 'daemonset.apps/agent', 'statefulset.apps/db', 'replicationcontroller/legacy', 'job.batch/once', 'cronjob.batch/nightly', 'service/web']) {
          expect(all.stdout).toContain(what);
        }
        expect(all.stdout).not.toContain('lease');
      });

      it('scales deployments, replication controllers and statefulsets through /scale', async () => {
        expect((await k(['-n', ns, 'scale', 'deploy/web', '--replicas=3'])).stdout).toContain('deployment.apps/web scaled');
        expect((await k(['-n', ns, 'scale', 'rc/legacy', '--replicas=3'])).stdout).toContain('replicationcontroller/legacy scaled');
        expect((await k(['-n', ns, 'scale', 'sts/db', '--replicas=2'])).stdout).toContain('statefulset.apps/db scaled');
        const d = JSON.parse((await k(['-n', ns, 'get', 'deploy', 'web', '-o', 'json'])).stdout) as { spec: { replicas: number }; metadata: { generation: number } };
        expect(d.spec.replicas).toBe(3);
        expect(d.metadata.generation).toBe(2);
        expect((await k(['-n', ns, 'get', 'rc', 'legacy', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('3');
        expect((await k(['-n', ns, 'get', 'sts', 'db', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('2');
      });

      it('refuses an invalid deployment with 422 and Kubernetes field messages', async () => {
        const file = join(harness().dir, `bad-${ns}.yaml`);
        writeFileSync(file, BAD_DEPLOYMENT);
        const res = await k(['-n', ns, 'create', '-f', file]);
        expect(res.code).not.toBe(0);
        expect(res.stderr).toContain('The Deployment "bad" is invalid');
        expect(res.stderr).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
        expect(res.stderr).toContain('spec.template.metadata.labels: Invalid value: map[string]string{"app":"bad"}: `selector` does not match template `labels`');
        expect(res.stderr).toContain('spec.template.spec.containers: Required value');
      });
    });
  }

  if (existsSync(NEWEST_KUBECTL)) describe('kubectl 1.33 typed creates (protobuf bodies)', () => {
    const ns = 'typed';
    const k = (args: string[]) => runKubectl(NEWEST_KUBECTL, harness().kubeconfig, args);
    /** What the client meant, without Go's empty values (null timestamps, `{}` structs) that JSON leaves in. */
    const meant = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(meant);
      if (typeof value !== 'object' || value === null) return value;
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        const m = meant(v);
        if (m === null || (typeof m === 'object' && !Array.isArray(m) && Object.keys(m).length === 0)) continue;
        out[key] = m;
      }
      return out;
    };

    it('creates a deployment, a job and a cronjob that carry every field kubectl meant', async () => {
      expect((await k(['create', 'namespace', ns])).code).toBe(0);
      for (const [args, command] of [
        [['deployment', 'typed', '--image=nginx:1.25', '--replicas=0', '--port=8080'], []],
        [['job', 'typed', '--image=busybox:1.36'], ['--', 'echo', 'hi']],
        [['cronjob', 'typed', '--image=busybox:1.36', '--schedule=*/5 * * * *'], []],
      ]) {
        const dry = await k(['-n', ns, 'create', ...args, '--dry-run=client', '-o', 'json', ...command]);
        expect(dry.code).toBe(0);
        const created = await k(['-n', ns, 'create', ...args, '-o', 'json', ...command]);
        expect(created.stderr).toBe('');
        expect(JSON.parse(created.stdout)).toMatchObject(meant(JSON.parse(dry.stdout)) as Record<string, unknown>);
      }
      expect((await k(['-n', ns, 'get', 'deploy', 'typed', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('0');
      expect((await k(['-n', ns, 'scale', 'deploy/typed', '--replicas=2'])).stdout).toContain('deployment.apps/typed scaled');
    });
  });

  describe('controllerrevisions and poddisruptionbudgets through kubectl 1.20', () => {
    const ns = 'policy-k120';
    const k = (args: string[]) => runKubectl(referenceBinary('kubectl'), harness().kubeconfig, args);

    it('lists them in api-resources, creates them from a manifest and prints their columns', async () => {
      const rows = (await k(['api-resources'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
      expect(rows).toContainEqual(['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget']);
      expect(rows).toContainEqual(['controllerrevisions', 'apps/v1', 'true', 'ControllerRevision']);
      expect((await k(['create', 'namespace', ns])).code).toBe(0);
      const file = join(harness().dir, 'policy.yaml');
      writeFileSync(file, `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pct-pdb}
spec:
  maxUnavailable: 25%
  selector: {matchLabels: {app: db}}
---
apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: ds-7b9c
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: ds, uid: 3a1f6c2e-0000-4000-8000-000000000001, controller: true}]
data: {spec: {template: {spec: {containers: [{name: c, image: busybox}]}}}}
revision: 2
`);
      const created = await k(['-n', ns, 'create', '-f', file]);
      expect(created.stderr).toBe('');
      expect(created.stdout).toContain('poddisruptionbudget.policy/web-pdb created');
      expect(created.stdout).toContain('controllerrevision.apps/ds-7b9c created');
      const pdbs = (await k(['-n', ns, 'get', 'pdb'])).stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
      expect(pdbs[0]).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
      expect(pdbs[1].slice(0, 4)).toEqual(['pct-pdb', 'N/A', '25%', '0']);
      expect(pdbs[2].slice(0, 4)).toEqual(['web-pdb', '2', 'N/A', '0']);
      const pdb = JSON.parse((await k(['-n', ns, 'get', 'pdb', 'web-pdb', '-o', 'json'])).stdout) as { metadata: { generation: number }; status: Record<string, number> };
      expect(pdb.metadata.generation).toBe(1);
      expect(pdb.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
      const revisions = (await k(['-n', ns, 'get', 'controllerrevisions'])).stdout.split('\n').map((l) => l.trim().split(/\s+/));
      expect(revisions[0]).toEqual(['NAME', 'CONTROLLER', 'REVISION', 'AGE']);
      expect(revisions[1].slice(0, 3)).toEqual(['ds-7b9c', 'DaemonSet.apps/ds', '2']);
    });

    it('refuses invalid budgets and changes to a revision\'s data with 422', async () => {
      const bad = await api(harness().url, `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, { method: 'POST', body: { metadata: { name: 'bad' }, spec: { minAvailable: -1, maxUnavailable: '150%' } } });
      expect(bad.status).toBe(422);
      expect(bad.json.message).toBe('PodDisruptionBudget.policy "bad" is invalid: [spec: Invalid value: "spec": minAvailable and maxUnavailable cannot be both set, spec.minAvailable: Invalid value: -1: must be greater than or equal to 0, spec.maxUnavailable: Invalid value: "150%": must be no greater than 100%]');
      const patched = await k(['-n', ns, 'patch', 'controllerrevision', 'ds-7b9c', '--type', 'json', '-p', '[{"op":"replace","path":"/data","value":{"x":1}}]']);
      expect(patched.stderr.trim()).toBe('The ControllerRevision "ds-7b9c" is invalid: data: Invalid value: {"x":1}: field is immutable');
      expect((await k(['delete', 'namespace', ns])).code).toBe(0);
    });
  });

  describe('raw REST', () => {
    const ns = 'raw';
    const url = () => harness().url;
    const podBody = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

    it('creates the namespace', async () => {
      expect((await api(url(), '/api/v1/namespaces', { method: 'POST', body: { metadata: { name: ns } } })).status).toBe(201);
    });

    it('serves the kubernetes Service on the first cluster IP, its endpoints following the live apiservers', async () => {
      const h = harness();
      const port = Number(new URL(h.url).port);
      const svc = (await api(h.url, '/api/v1/namespaces/default/services/kubernetes')).json as { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> };
      expect(svc.metadata.labels).toEqual({ component: 'apiserver', provider: 'kubernetes' });
      expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '127.10.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] });
      const row = (await runKubectl(referenceBinary('kubectl'), h.kubeconfig, ['-n', 'default', 'get', 'svc', 'kubernetes'])).stdout.split('\n')[1].split(/\s+/);
      expect(row.slice(0, 5)).toEqual(['kubernetes', 'ClusterIP', '127.10.0.1', '<none>', '443/TCP']);
      const subsets = async () => ((await api(h.url, '/api/v1/namespaces/default/endpoints/kubernetes')).json as { subsets?: unknown[] }).subsets;
      const subset = (ip: string, p: number) => ({ addresses: [{ ip }], ports: [{ name: 'https', port: p, protocol: 'TCP' }] });
      expect(await subsets()).toEqual([subset('127.0.0.1', port)]);
      const slice = (await api(h.url, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).json;
      expect(slice).toMatchObject({ addressType: 'IPv4', metadata: { labels: { 'kubernetes.io/service-name': 'kubernetes' } }, endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ name: 'https', port }] });
      // A second apiserver adds itself; killed, it drops out once its entry expires.
      const second = await startApiserverProcess(h.etcd.clientUrls(), ['--bind-address=127.0.0.2', ...FAST_ENDPOINT_RECONCILER]);
      try {
        const port2 = Number(new URL(second.url).port);
        const both = [subset('127.0.0.1', port), subset('127.0.0.2', port2)].sort((a, b) => a.ports[0].port - b.ports[0].port);
        await eventually('both apiservers in the kubernetes endpoints', async () => JSON.stringify(await subsets()) === JSON.stringify(both), 30_000, 100);
        await second.stop('SIGKILL');
        await eventually('the killed apiserver dropped', async () => JSON.stringify(await subsets()) === JSON.stringify([subset('127.0.0.1', port)]), 30_000, 100);
      } finally {
        await second.stop('SIGKILL');
      }
    });

    it('discovery lists scale, status, binding, eviction and log subresources', async () => {
      const apps = (await api(url(), '/apis/apps/v1')).json as { resources: Record<string, unknown>[] };
      expect(apps.resources).toContainEqual({ name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      expect(apps.resources).toContainEqual({ name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'] });
      expect(apps.resources.find((r) => r.name === 'deployments')).toMatchObject({ shortNames: ['deploy'], categories: ['all'], singularName: 'deployment' });
      const core = (await api(url(), '/api/v1')).json as { resources: Record<string, unknown>[] };
      expect(core.resources).toContainEqual({ name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
      expect(core.resources).toContainEqual({ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
      expect(core.resources).toContainEqual({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
      expect(core.resources).toContainEqual({ name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
      const groups = (await api(url(), '/apis')).json as { groups: { name: string }[] };
      expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'batch', 'coordination.k8s.io', 'networking.k8s.io', 'discovery.k8s.io']));
    });

    it('defaults pods as Kubernetes and its admission do', async () => {
      const res = await api(url(), `/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: { ...podBody('defaults'), spec: { containers: [{ name: 'c', image: 'busybox' }, { name: 'd', image: 'nginx:1.25' }] } } });
      expect(res.status).toBe(201);
      const spec = res.json.spec as Record<string, unknown>;
      expect(spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', serviceAccountName: 'default', securityContext: {} });
      expect(spec.containers).toMatchObject([
        { imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
        { imagePullPolicy: 'IfNotPresent' },
      ]);
      expect(spec.tolerations).toEqual([
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ]);
    });

    it('defaults workloads: deployment strategy, job selector and labels, cronjob limits, rc selector', async () => {
      const tpl = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      const d = await api(url(), `/apis/apps/v1/namespaces/${ns}/deployments`, { method: 'POST', body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'd' } }, template: tpl({ a: 'd' }) } } });
      expect(d.status).toBe(201);
      expect(d.json.spec).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
      expect((d.json.metadata as { generation: number }).generation).toBe(1);
      const job = await api(url(), `/apis/batch/v1/namespaces/${ns}/jobs`, { method: 'POST', body: { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } });
      expect(job.status).toBe(201);
      const uid = (job.json.metadata as { uid: string }).uid;
      expect(job.json.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } } });
      expect((job.json.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels).toEqual({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'j', 'controller-uid': uid, 'job-name': 'j' });
      const cj = await api(url(), `/apis/batch/v1/namespaces/${ns}/cronjobs`, { method: 'POST', body: { metadata: { name: 'c' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox' }] } } } } } } });
      expect(cj.json.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
      const rc = await api(url(), `/api/v1/namespaces/${ns}/replicationcontrollers`, { method: 'POST', body: { metadata: { name: 'r' }, spec: { template: tpl({ a: 'r' }) } } });
      expect(rc.json.spec).toMatchObject({ replicas: 1, selector: { a: 'r' } });
      expect((rc.json.metadata as { labels: Record<string, string> }).labels).toEqual({ a: 'r' });
      const ds = await api(url(), `/apis/apps/v1/namespaces/${ns}/daemonsets`, { method: 'POST', body: { metadata: { name: 'ds' }, spec: { selector: { matchLabels: { a: 'ds' } }, template: tpl({ a: 'ds' }) } } });
      expect(ds.json.spec).toMatchObject({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, revisionHistoryLimit: 10 });
      const sts = await api(url(), `/apis/apps/v1/namespaces/${ns}/statefulsets`, { method: 'POST', body: { metadata: { name: 'st' }, spec: { selector: { matchLabels: { a: 'st' } }, template: tpl({ a: 'st' }) } } });
      expect(sts.json.spec).toMatchObject({ replicas: 1, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } });
    });

    it('bumps generation on spec changes only, and keeps apps/v1 selectors immutable', async () => {
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/d`;
      const status = await api(url(), `${path}/status`, { method: 'PATCH', body: { status: { replicas: 1 } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect((status.json.metadata as { generation: number }).generation).toBe(1);
      const spec = await api(url(), path, { method: 'PATCH', body: { spec: { minReadySeconds: 5 } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect((spec.json.metadata as { generation: number }).generation).toBe(2);
      const bad = await api(url(), path, { method: 'PATCH', body: { spec: { selector: { matchLabels: { a: 'x' } }, template: { metadata: { labels: { a: 'x' } } } } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(bad.status).toBe(422);
      expect(bad.json.message).toBe(
        'Deployment.apps "d" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      );
    });

    it('serves autoscaling/v1 Scale: get, put with a stale resourceVersion (409), negative replicas (422)', async () => {
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/d/scale`;
      const scale = await api(url(), path);
      expect(scale.status).toBe(200);
      expect(scale.json).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'd', namespace: ns }, spec: { replicas: 1 }, status: { replicas: 1, selector: 'a=d' } });
      const put = await api(url(), path, { method: 'PUT', body: { ...scale.json, spec: { replicas: 4 } } });
      expect(put.status).toBe(200);
      expect(put.json.spec).toEqual({ replicas: 4 });
      const stale = await api(url(), path, { method: 'PUT', body: { ...scale.json, spec: { replicas: 5 } } });
      expect(stale.status).toBe(409);
      expect(stale.json.message).toBe('Operation cannot be fulfilled on deployments.apps "d": the object has been modified; please apply your changes to the latest version and try again');
      const negative = await api(url(), path, { method: 'PATCH', body: { spec: { replicas: -2 } }, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect(negative.status).toBe(422);
      expect(negative.json.message).toBe('Scale.autoscaling "d" is invalid: spec.replicas: Invalid value: -2: must be greater than or equal to 0');
      expect((await api(url(), `/apis/apps/v1/namespaces/${ns}/daemonsets/ds/scale`)).status).toBe(404);
    });

    it('binds a pod once through pods/binding, then answers 409', async () => {
      expect((await api(url(), `/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: podBody('bound') })).status).toBe(201);
      const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' } };
      const first = await api(url(), `/api/v1/namespaces/${ns}/pods/bound/binding`, { method: 'POST', body: binding });
      expect(first.status).toBe(201);
      expect(first.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      const pod = (await api(url(), `/api/v1/namespaces/${ns}/pods/bound`)).json as { spec: { nodeName: string }; status: { conditions: { type: string; status: string }[] } };
      expect(pod.spec.nodeName).toBe('n1');
      expect(pod.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
      const second = await api(url(), `/api/v1/namespaces/${ns}/pods/bound/binding`, { method: 'POST', body: { ...binding, target: { kind: 'Node', name: 'n2' } } });
      expect(second.status).toBe(409);
      expect(second.json).toMatchObject({ reason: 'Conflict', message: 'Operation cannot be fulfilled on pods/binding "bound": pod bound is already assigned to node "n1"' });
      const wrongName = await api(url(), `/api/v1/namespaces/${ns}/pods/bound/binding`, { method: 'POST', body: { ...binding, metadata: { name: 'other' } } });
      expect(wrongName.status).toBe(400);
      const noTarget = await api(url(), `/api/v1/namespaces/${ns}/pods/bound/binding`, { method: 'POST', body: { ...binding, target: {} } });
      expect(noTarget.status).toBe(422);
      expect(noTarget.json.message).toBe('Binding "bound" is invalid: target.name: Required value');
      const byNode = (await api(url(), `/api/v1/namespaces/${ns}/pods?fieldSelector=spec.nodeName%3Dn1`)).json as { items: { metadata: { name: string } }[] };
      expect(byNode.items.map((p) => p.metadata.name)).toEqual(['bound']);
    });

    it('evicts a pod through pods/eviction', async () => {
      expect((await api(url(), `/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: podBody('evictee') })).status).toBe(201);
      const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evictee', namespace: ns } };
      const res = await api(url(), `/api/v1/namespaces/${ns}/pods/evictee/eviction`, { method: 'POST', body: eviction });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ kind: 'Status', status: 'Success' });
      expect((await api(url(), `/api/v1/namespaces/${ns}/pods/evictee`)).status).toBe(404);
      const again = await api(url(), `/api/v1/namespaces/${ns}/pods/evictee/eviction`, { method: 'POST', body: eviction });
      expect(again.status).toBe(404);
      expect(again.json.message).toBe('pods "evictee" not found');
    });

    it('allocates unique cluster IPs under concurrent creates on two apiservers sharing etcd, and refuses taken ones', async () => {
      const second = await startApiserver(harness().etcd.clientUrls());
      try {
        const svc = (name: string, spec: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) => api(i % 2 === 0 ? url() : second.url, `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: svc(`s${i}`) })),
        );
        expect(results.map((r) => r.status)).toEqual(Array(24).fill(201));
        const ips = results.map((r) => (r.json.spec as { clusterIP: string; clusterIPs: string[] }).clusterIP);
        expect(new Set(ips).size).toBe(24);
        for (const ip of ips) expect(ip).toMatch(/^127\.10\.\d+\.\d+$/);
        expect(results[0].json.spec).toMatchObject({ clusterIPs: [ips[0]], type: 'ClusterIP', sessionAffinity: 'None', ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }] });

        const dup = await api(second.url, `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: svc('dup', { clusterIP: ips[3] }) });
        expect(dup.status).toBe(422);
        expect(dup.json.message).toBe(`Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"${ips[3]}"}: failed to allocate IP ${ips[3]}: provided IP is already allocated`);
        const outside = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: svc('outside', { clusterIP: '10.0.0.5' }) });
        expect(outside.status).toBe(422);
        expect(outside.json.message).toContain('the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 127.10.0.0/16');
        // Deleting a service releases its IP for the next one that asks for it.
        expect((await api(url(), `/api/v1/namespaces/${ns}/services/s3`, { method: 'DELETE' })).status).toBe(200);
        const reuse = await api(second.url, `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: svc('reuse', { clusterIP: ips[3] }) });
        expect(reuse.status).toBe(201);
        const headless = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: svc('headless', { clusterIP: 'None' }) });
        expect(headless.status).toBe(201);
        expect(headless.json.spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
      } finally {
        await second.stop();
      }
    });

    it('allocates node ports in 30000-32767, refuses a taken one and keeps them across updates', async () => {
      const np = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }, { name: 'b', port: 81 }].map((p, i) => ({ name: `p${i}`, ...p })) } } });
      expect(np.status).toBe(201);
      const ports = (np.json.spec as { ports: { nodePort: number }[] }).ports;
      expect(ports[0].nodePort).toBe(30080);
      expect(ports[1].nodePort).toBeGreaterThanOrEqual(30000);
      expect(ports[1].nodePort).toBeLessThanOrEqual(32767);
      expect(np.json.spec).toMatchObject({ externalTrafficPolicy: 'Cluster' });
      const taken = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: { metadata: { name: 'np2' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } } });
      expect(taken.status).toBe(422);
      expect(taken.json.message).toBe('Service "np2" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
      const low = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: { metadata: { name: 'np3' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } } });
      expect(low.json.message).toBe('Service "np3" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767');
      // A PUT that leaves clusterIP and nodePorts out keeps the allocated ones.
      const current = np.json as { metadata: Record<string, unknown>; spec: { clusterIP: string; ports: Record<string, unknown>[] } };
      const put = await api(url(), `/api/v1/namespaces/${ns}/services/np`, {
        method: 'PUT',
        body: { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: current.spec.ports.map(({ nodePort: _n, ...p }) => p) } },
      });
      expect(put.status).toBe(200);
      expect((put.json.spec as { clusterIP: string }).clusterIP).toBe(current.spec.clusterIP);
      expect((put.json.spec as { ports: { nodePort: number }[] }).ports.map((p) => p.nodePort)).toEqual(ports.map((p) => p.nodePort));
      // Switching to ClusterIP releases the node ports.
      const toClusterIp = await api(url(), `/api/v1/namespaces/${ns}/services/np`, {
        method: 'PUT',
        body: { metadata: { name: 'np' }, spec: { type: 'ClusterIP', ports: current.spec.ports.map(({ nodePort: _n, ...p }) => p) } },
      });
      expect(toClusterIp.status).toBe(200);
      expect((await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: { metadata: { name: 'np4' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } } })).status).toBe(201);
    });

    it('answers 422 with causes for invalid workloads', async () => {
      const tpl = { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      const noSelector = await api(url(), `/apis/apps/v1/namespaces/${ns}/deployments`, { method: 'POST', body: { metadata: { name: 'nosel' }, spec: { template: tpl } } });
      expect(noSelector.status).toBe(422);
      expect((noSelector.json.details as { causes: unknown[] }).causes).toEqual([
        { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels' },
      ]);
      const alwaysJob = await api(url(), `/apis/batch/v1/namespaces/${ns}/jobs`, { method: 'POST', body: { metadata: { name: 'always' }, spec: { template: { spec: tpl.spec } } } });
      expect(alwaysJob.status).toBe(422);
      expect(alwaysJob.json.message).toBe('Job.batch "always" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
      const badPort = await api(url(), `/api/v1/namespaces/${ns}/services`, { method: 'POST', body: { metadata: { name: 'badport' }, spec: { ports: [{ port: 70000 }] } } });
      // targetPort is defaulted from port before validation, so it is reported too (as kube-apiserver does).
      expect(badPort.json.message).toBe(
        'Service "badport" is invalid: [spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive]',
      );
      const noSchedule = await api(url(), `/apis/batch/v1/namespaces/${ns}/cronjobs`, { method: 'POST', body: { metadata: { name: 'nosched' }, spec: { jobTemplate: { spec: { template: { spec: { ...tpl.spec, restartPolicy: 'Never' } } } } } } });
      expect(noSchedule.json.message).toBe('CronJob.batch "nosched" is invalid: spec.schedule: Required value');
    });

    it('selects nodes by spec.unschedulable', async () => {
      for (const [name, unschedulable] of [['cordoned', true], ['open', false]] as const) {
        expect((await api(url(), '/api/v1/nodes', { method: 'POST', body: { metadata: { name }, spec: { unschedulable } } })).status).toBe(201);
      }
      const list = (await api(url(), '/api/v1/nodes?fieldSelector=spec.unschedulable%3Dtrue')).json as { items: { metadata: { name: string } }[] };
      expect(list.items.map((n) => n.metadata.name)).toEqual(['cordoned']);
    });
  });
});
