// The horizontal pod autoscaler end to end, all real processes: etcd 3.4, `bin/barque apiserver`, the
// controller-manager (HPA sync every 2 s, a 15 s downscale stabilization window), the scheduler and one
// `bin/barque agent` running pods as processes. kubectl 1.20 `autoscale` creates an autoscaling/v1 HPA over a
// Deployment whose pods burn CPU while a file exists; it scales up to maxReplicas, `kubectl get hpa` (1.20 and the
// newer one) shows the targets, and once the file is gone it scales back down, not before the window. The newer
// kubectl's `autoscale` over pods without CPU requests gets upstream's FailedGetResourceMetric condition.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { runKubectl, setupOnce } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { startKubeletCluster, type KubeletCluster } from './agents-kubelet-cluster.ts';

const SYNC_PERIOD = '2s';
const STABILIZATION_MS = 15_000;
const NEWER = '/usr/bin/kubectl';
const SCALE_TIMEOUT_MS = 240_000;

// Burns 40 ms of every 100 ms (0.4 CPU, 200 % of its 200m request) while the file named by LOAD_FILE exists.
const BURN = "const fs=require('fs');setInterval(()=>{if(!fs.existsSync(process.env.LOAD_FILE))return;const end=Date.now()+40;while(Date.now()<end){}},100)";
const IDLE = 'setInterval(()=>{},1000)';

function deployment(name: string, script: string, extra: { request?: string; loadFile?: string }): string {
  const resources = extra.request === undefined ? '' : `\n        resources: {requests: {cpu: ${extra.request}}}`;
  const env = extra.loadFile === undefined ? '' : `\n        env: [{name: LOAD_FILE, value: ${JSON.stringify(extra.loadFile)}}]`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: ${name === 'burn' ? 'busy' : 'idle'}
        image: node:20
        args: ["-e", ${JSON.stringify(script)}]${resources}${env}
`;
}

type Condition = { type: string; status: string; reason: string; message: string };
type Hpa = {
  apiVersion: string;
  metadata: { annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status: { currentReplicas?: number; desiredReplicas?: number; currentCPUUtilizationPercentage?: number; currentMetrics?: unknown[] | null; conditions?: Condition[] };
};

let cluster: KubeletCluster | undefined;
const setup = setupOnce(async () => {
  cluster = await startKubeletCluster({
    controllers: true,
    controllerManagerFlags: [`--horizontal-pod-autoscaler-sync-period=${SYNC_PERIOD}`, `--horizontal-pod-autoscaler-downscale-stabilization=${STABILIZATION_MS / 1000}s`],
  });
  await cluster.startAgent(['--node-name=worker-1', '--node-index=33', '--kubelet-port=0', '--dns-port=0', '--ingress-port=0', '--node-status-update-frequency=2s', '--pod-resync-period=2s']);
  return { cluster, loadFile: join(cluster.dir, 'load') };
});

afterAll(async () => {
  await cluster?.stop();
});

async function kubectl(args: string[], options: { binary?: string; input?: string } = {}): Promise<string> {
  const c = setup().cluster;
  if (options.input !== undefined) {
    const file = join(c.dir, `manifest-${args.join('-').replace(/\W+/g, '_')}-${Date.now()}.yaml`);
    writeFileSync(file, options.input);
    args = [...args, '-f', file];
  }
  const r = await runKubectl(options.binary ?? referenceBinary('kubectl'), c.kubeconfig, args, 90_000);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const hpaAs = async (name: string, version: 'v1' | 'v2'): Promise<Hpa> =>
  JSON.parse(await kubectl(['get', `horizontalpodautoscalers.${version}.autoscaling`, name, '-o', 'json'])) as Hpa;
const specReplicas = async (name: string): Promise<number> => Number(await kubectl(['get', 'deployment', name, '-o', 'jsonpath={.spec.replicas}']));
const condition = (hpa: Hpa, type: string): Condition | undefined => hpa.status.conditions?.find((c) => c.type === type);
const events = async (name: string): Promise<string> => kubectl(['get', 'events', '--field-selector', `involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=${name}`, '-o', 'custom-columns=REASON:.reason,SOURCE:.source.component,MESSAGE:.message']);

describe('the horizontal pod autoscaler with kubectl', () => {
  it('kubectl 1.20 autoscale creates an autoscaling/v1 HPA that v1 and v2 read alike', async () => {
    const { loadFile } = setup();
    await kubectl(['apply'], { input: deployment('burn', BURN, { request: '200m', loadFile }) });
    expect(await kubectl(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3'])).toBe('horizontalpodautoscaler.autoscaling/burn autoscaled\n');
    const v1 = await hpaAs('burn', 'v1');
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'burn' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 });
    const v2 = JSON.parse(await kubectl(['get', 'hpa', 'burn', '-o', 'json'], { binary: NEWER })) as Hpa;
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    const table = await kubectl(['get', 'hpa', 'burn']);
    expect(table.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(table.split('\n')[1]).toMatch(/^burn\s+Deployment\/burn\s+cpu: (<unknown>|\d+%)\/50%\s+1\s+3\s+\d+\s+\S+$/);
  });

  it('scales the Deployment up to maxReplicas while its pods burn CPU', { timeout: SCALE_TIMEOUT_MS + 60_000 }, async () => {
    const { loadFile } = setup();
    writeFileSync(loadFile, 'burn\n');
    await eventually('the Deployment scaled to 3', async () => (await specReplicas('burn')) === 3, SCALE_TIMEOUT_MS, 1_000);
    const rescaled = await events('burn');
    expect(rescaled).toMatch(/SuccessfulRescale\s+horizontal-pod-autoscaler\s+New size: [23]; reason: cpu resource utilization \(percentage of request\) above target/);
    const hpa = await eventually('the status to show 3 replicas', async () => {
      const h = await hpaAs('burn', 'v2');
      return h.status.currentReplicas === 3 && condition(h, 'ScalingActive')?.reason === 'ValidMetricFound' ? h : undefined;
    }, SCALE_TIMEOUT_MS, 1_000);
    expect(condition(hpa, 'ScalingActive')?.message).toBe('the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
    for (const binary of [referenceBinary('kubectl'), NEWER]) {
      const row = (await kubectl(['get', 'hpa', 'burn', '--no-headers'], { binary })).trim();
      expect(row).toMatch(/^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+3\s+3\s+\S+$/);
    }
    const v1 = await hpaAs('burn', 'v1');
    expect(v1.status.currentReplicas).toBe(3);
    expect(typeof v1.status.currentCPUUtilizationPercentage).toBe('number');
    expect(JSON.parse(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/conditions'] ?? '[]')).toEqual(hpa.status.conditions);
  });

  it('scales back down once the load is gone, not before the stabilization window', { timeout: SCALE_TIMEOUT_MS + 60_000 }, async () => {
    const { loadFile } = setup();
    rmSync(loadFile);
    const removedAt = Date.now();
    let sawStabilized = false;
    await eventually('the Deployment scaled back to 1', async () => {
      const h = await hpaAs('burn', 'v2');
      if (condition(h, 'AbleToScale')?.reason === 'ScaleDownStabilized') sawStabilized = true;
      return (await specReplicas('burn')) === 1;
    }, SCALE_TIMEOUT_MS, 1_000);
    // The last high recommendation came at most a sync period or two before the file went.
    expect(Date.now() - removedAt).toBeGreaterThanOrEqual(STABILIZATION_MS - 4_000);
    expect(sawStabilized).toBe(true);
    expect(await events('burn')).toMatch(/SuccessfulRescale\s+horizontal-pod-autoscaler\s+New size: 1; reason: All metrics below target/);
    expect(existsSync(loadFile)).toBe(false);
  });

  it('reports FailedGetResourceMetric for pods without a CPU request (newer kubectl autoscale)', async () => {
    await kubectl(['apply'], { input: deployment('noreq', IDLE, {}) });
    expect(await kubectl(['autoscale', 'deployment', 'noreq', '--cpu-percent=60', '--max=2'], { binary: NEWER })).toBe('horizontalpodautoscaler.autoscaling/noreq autoscaled\n');
    const hpa = await eventually('ScalingActive False', async () => {
      const h = await hpaAs('noreq', 'v2');
      return condition(h, 'ScalingActive')?.reason === 'FailedGetResourceMetric' && /missing request/.test(condition(h, 'ScalingActive')?.message ?? '') ? h : undefined;
    }, SCALE_TIMEOUT_MS, 1_000);
    expect(condition(hpa, 'ScalingActive')).toMatchObject({ status: 'False' });
    expect(condition(hpa, 'ScalingActive')?.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container idle of Pod noreq-[a-z0-9]+-[a-z0-9]{5}$/);
    expect(condition(hpa, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededGetScale' });
    expect(await events('noreq')).toMatch(/FailedGetResourceMetric\s+horizontal-pod-autoscaler\s+failed to get cpu utilization: missing request for cpu in container idle of Pod noreq-/);
    expect((await kubectl(['get', 'hpa', 'noreq', '--no-headers'], { binary: NEWER })).trim()).toMatch(/^noreq\s+Deployment\/noreq\s+cpu: <unknown>\/60%\s+1\s+2\s+1\s+\S+$/);
  });

  it("refuses an invalid HPA with kube-apiserver's message, in either version", async () => {
    const bad = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 3
  maxReplicas: 2
`;
    const c = setup().cluster;
    writeFileSync(join(c.dir, 'bad-hpa.yaml'), bad);
    const r = await runKubectl(NEWER, c.kubeconfig, ['create', '-f', join(c.dir, 'bad-hpa.yaml')]);
    expect(r.stderr.trim()).toBe('The HorizontalPodAutoscaler "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`');
    writeFileSync(join(c.dir, 'bad-hpa-v1.yaml'), bad.replace('autoscaling/v2', 'autoscaling/v1').concat('  targetCPUUtilizationPercentage: 0\n').replace('minReplicas: 3', 'minReplicas: 1'));
    const v1 = await runKubectl(referenceBinary('kubectl'), c.kubeconfig, ['create', '-f', join(c.dir, 'bad-hpa-v1.yaml')]);
    expect(v1.stderr.trim()).toBe('The HorizontalPodAutoscaler "bad" is invalid: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0');
  });
});
