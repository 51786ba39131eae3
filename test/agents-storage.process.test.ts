// Persistent storage end to end, all real processes: etcd 3.4, the apiserver, the controller-manager (with the
// local-path provisioner's default class and its storage root in this test's folder), the scheduler and one
// `bin/barque agent` with the process runtime; kubectl 1.20 for most of the user's actions, the newer kubectl for
// the columns, a scale and a delete. A pod waits in ContainerCreating for a claim that does not exist yet; the claim gets the default class,
// waits for its consumer, is provisioned and Bound; the pod writes a file; a second pod, after the first is deleted,
// reads it back; an Immediate class binds at once; a static volume is chosen by size and Released (Retain) or
// deleted (Delete) when its claim goes; a StatefulSet's claims data-web-0/1 are Bound and stay after scale-down to 0;
// deleting a provisioned claim deletes its volume and directory.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setupOnce, runKubectl } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { startKubeletCluster, type KubeletCluster } from './agents-kubelet-cluster.ts';

const NODE = 'storage-1';
const WAIT_MS = 180_000;
const NEWER_KUBECTL = existsSync('/usr/bin/kubectl') ? '/usr/bin/kubectl' : undefined;

const storageRoot = mkdtempSync(join(tmpdir(), 'barque-storage-test-'));
let cluster: KubeletCluster | undefined;
const setup = setupOnce(async () => {
  cluster = await startKubeletCluster({ controllers: true, controllerManagerFlags: [`--local-storage-root=${storageRoot}`, '--default-storage-class=local-path'] });
  await cluster.startAgent([`--node-name=${NODE}`, '--node-index=36', '--kubelet-port=0', '--dns-port=0', '--ingress-port=0', '--node-lease-renew-interval=2s', '--node-status-update-frequency=2s', '--pod-resync-period=2s']);
  return cluster;
});

afterAll(async () => {
  await cluster?.stop();
  rmSync(storageRoot, { recursive: true, force: true });
});

let manifests = 0;
async function kubectl(args: string[], manifest?: string): Promise<string> {
  const c = setup();
  if (manifest !== undefined) {
    const file = join(c.dir, `storage-${manifests++}.yaml`);
    writeFileSync(file, manifest);
    args = [...args, '-f', file];
  }
  const r = await c.kubectl(args, 120_000);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function newerKubectl(args: string[]): Promise<string> {
  const r = await runKubectl(NEWER_KUBECTL ?? '', setup().kubeconfig, args, 120_000);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

type Obj = { metadata: { name: string; uid: string; annotations?: Record<string, string>; finalizers?: string[] }; spec: Record<string, unknown>; status?: Record<string, unknown> };
const getJson = async (kind: string, name: string): Promise<Obj> => JSON.parse(await kubectl(['get', kind, name, '-o', 'json'])) as Obj;
const phaseOf = async (kind: string, name: string): Promise<string> => String((await getJson(kind, name)).status?.phase ?? '');
const waitPhase = (kind: string, name: string, phase: string): Promise<true> => eventually(`${kind}/${name} ${phase}`, async () => (await phaseOf(kind, name)) === phase, WAIT_MS, 500);
const exists = async (kind: string, name: string): Promise<boolean> => (await setup().kubectl(['get', kind, name], 60_000)).code === 0;

const podWith = (name: string, claim: string, script: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes: [{name: data, persistentVolumeClaim: {claimName: ${claim}}}]
  containers:
  - name: c
    image: busybox
    args: ["sh", "-c", ${JSON.stringify(script)}]
    volumeMounts: [{name: data, mountPath: /data}]
`;

const claimOf = (name: string, size: string, extra = ''): string => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${size}}}
${extra}`;

describe('persistent storage on a process-runtime node', () => {
  it('creates the default class local-path', async () => {
    setup();
    const out = await eventually('the default StorageClass', async () => {
      const text = await kubectl(['get', 'storageclass']);
      return text.includes('local-path (default)') ? text : undefined;
    }, WAIT_MS, 500);
    expect(out).toMatch(/local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/);
  });

  it('keeps a pod waiting for its claim, provisions the claim for it, and keeps the data for the next pod', async () => {
    await kubectl(['create'], podWith('writer', 'notes', 'echo written-by-writer > data/greeting'));
    await eventually('FailedMount for the missing claim', async () => {
      const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=writer,reason=FailedMount', '-o', 'jsonpath={.items[*].message}']);
      return events.includes('error processing PVC default/notes: failed to fetch PVC from API server: persistentvolumeclaims "notes" not found');
    }, WAIT_MS, 500);
    const waiting = await getJson('pod', 'writer');
    expect(JSON.stringify(waiting.status?.containerStatuses)).toContain('ContainerCreating');

    await kubectl(['create'], claimOf('notes', '64Mi'));
    const claim = await getJson('pvc', 'notes');
    expect(claim.spec.storageClassName).toBe('local-path');
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    await waitPhase('pvc', 'notes', 'Bound');
    const bound = await getJson('pvc', 'notes');
    expect(bound.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(NODE);
    const volume = String(bound.spec.volumeName);
    expect(volume).toBe(`pvc-${bound.metadata.uid}`);
    await waitPhase('pod', 'writer', 'Succeeded');
    expect(readFileSync(join(storageRoot, `${volume}_default_notes`, 'greeting'), 'utf8')).toBe('written-by-writer\n');

    const pvcTable = await kubectl(['get', 'pvc', 'notes']);
    expect(pvcTable.split('\n')[1]).toMatch(new RegExp(`^notes\\s+Bound\\s+${volume}\\s+64Mi\\s+RWO\\s+local-path\\s+<unset>\\s+\\d+s$`));
    const pvTable = await kubectl(['get', 'pv', volume]);
    expect(pvTable.split('\n')[1]).toMatch(new RegExp(`^${volume}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/notes\\s+local-path\\s+<unset>\\s+\\d+s$`));
    if (NEWER_KUBECTL !== undefined) {
      expect((await newerKubectl(['get', 'pvc', 'notes'])).split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']);
      expect((await newerKubectl(['get', 'pv', volume])).split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']);
    }

    await kubectl(['delete', 'pod', 'writer']);
    await kubectl(['create'], podWith('reader', 'notes', 'cat data/greeting'));
    await waitPhase('pod', 'reader', 'Succeeded');
    expect(await kubectl(['logs', 'reader'])).toBe('written-by-writer\n');

    // No pod uses the claim once the reader is gone: the claim, its volume and the directory all go.
    await kubectl(['delete', 'pod', 'reader']);
    await kubectl(['delete', 'pvc', 'notes']);
    await eventually('the provisioned volume deleted', async () => !(await exists('pv', volume)), WAIT_MS, 500);
    await eventually('its directory removed', () => !readdirSync(storageRoot).some((d) => d.startsWith(volume)), WAIT_MS, 500);
  });

  it('binds an Immediate class claim at once, and refuses an invalid claim with kube-apiserver\'s text', async () => {
    await kubectl(['apply'], `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: barque.io/local-path
volumeBindingMode: Immediate
reclaimPolicy: Retain
---
${claimOf('scratch', '10Mi', '  storageClassName: fast\n')}`);
    await waitPhase('pvc', 'scratch', 'Bound');
    const pv = String((await getJson('pvc', 'scratch')).spec.volumeName);
    const volume = await getJson('pv', pv);
    expect(volume.spec).toMatchObject({ persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'fast', hostPath: { type: 'DirectoryOrCreate' } });
    expect(volume.spec.nodeAffinity).toBeUndefined();

    const file = join(setup().dir, 'bad-claim.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: bad}\nspec: {resources: {}}\n');
    const refused = await setup().kubectl(['create', '-f', file]);
    expect(refused.stderr.trim()).toBe('The PersistentVolumeClaim "bad" is invalid: \n* spec.accessModes: Required value: at least 1 access mode is required\n* spec.resources[storage]: Required value');
  });

  it('binds static volumes by size, and reclaims them by policy', async () => {
    const dir = (name: string): string => join(setup().dir, name);
    await kubectl(['apply'], ['small:1Gi:Retain', 'large:5Gi:Delete', 'larger:10Gi:Retain']
      .map((v) => v.split(':'))
      .map(([name, size, policy]) => `apiVersion: v1
kind: PersistentVolume
metadata: {name: ${name}}
spec:
  capacity: {storage: ${size}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: ${policy}
  hostPath: {path: ${dir(name)}, type: DirectoryOrCreate}
`)
      .join('---\n'));
    await waitPhase('pv', 'larger', 'Available');
    await kubectl(['apply'], `${claimOf('want-2g', '2Gi', '  storageClassName: ""\n')}---\n${claimOf('want-1g', '1Gi', '  storageClassName: ""\n')}`);
    await waitPhase('pvc', 'want-2g', 'Bound');
    await waitPhase('pvc', 'want-1g', 'Bound');
    expect((await getJson('pvc', 'want-2g')).spec.volumeName).toBe('large');
    expect((await getJson('pvc', 'want-1g')).spec.volumeName).toBe('small');
    expect(await phaseOf('pv', 'larger')).toBe('Available');

    const deleteClaims = ['delete', 'pvc', 'want-2g', 'want-1g'];
    await (NEWER_KUBECTL === undefined ? kubectl(deleteClaims) : newerKubectl(deleteClaims));
    await waitPhase('pv', 'small', 'Released');
    await eventually('the Delete volume deleted', async () => !(await exists('pv', 'large')), WAIT_MS, 500);
  });

  it("gives a StatefulSet's pods their claims, and keeps them after scaling to 0", async () => {
    await kubectl(['apply'], `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 2
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: c
        image: busybox
        args: ["sh", "-c", "echo $HOSTNAME >> www/visitors; sleep 3600"]
        volumeMounts: [{name: data, mountPath: /www}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 16Mi}}
`);
    await waitPhase('pvc', 'data-web-0', 'Bound');
    await waitPhase('pvc', 'data-web-1', 'Bound');
    await waitPhase('pod', 'web-1', 'Running');
    const pod = await getJson('pod', 'web-0');
    expect(pod.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } });
    const claims = await Promise.all(['data-web-0', 'data-web-1'].map((n) => getJson('pvc', n)));
    await eventually('each pod wrote into its own volume', () =>
      claims.every((c, i) => {
        const file = join(storageRoot, `${String(c.spec.volumeName)}_default_${c.metadata.name}`, 'visitors');
        return existsSync(file) && readFileSync(file, 'utf8') === `web-${i}\n`;
      }), WAIT_MS, 500);

    const scale = ['scale', 'statefulset', 'web', '--replicas=0'];
    await (NEWER_KUBECTL === undefined ? kubectl(scale) : newerKubectl(scale));
    await eventually('the pods gone', async () => !(await exists('pod', 'web-0')) && !(await exists('pod', 'web-1')), WAIT_MS, 500);
    for (const name of ['data-web-0', 'data-web-1']) expect(await phaseOf('pvc', name)).toBe('Bound');
    await kubectl(['delete', 'statefulset', 'web']);
    const left = await kubectl(['get', 'pvc', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(left.split(' ').sort()).toEqual(['data-web-0', 'data-web-1']);
  });
});
