import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../../client/clock.ts';
import { PodAddressAllocator, nodeAddressRange } from '../../pod-network/index.ts';
import { complianceBackOff, collect, describeRuntimeCompliance, simPod, waitFor, waitForAsync } from '../compliance.ts';
import type { SupervisedRuntime } from '../supervised-runtime.ts';
import type { ContainerSpec, RunPodRequest } from '../types.ts';
import { containerArgv, createProcessRuntime, NoCommandError, reapLeftovers } from './index.ts';
import { liveChildren, processesWith } from './testing.ts';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'barque-runtime-'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function harness(node: number) {
  const addresses = new PodAddressAllocator(nodeAddressRange(node));
  const runtime = createProcessRuntime({ root: path.join(root, `node-${node}-${Math.random().toString(36).slice(2)}`), addresses, clock: realClock, backOff: complianceBackOff, memoryCheckIntervalMs: 200 });
  return { runtime, addresses };
}

describeRuntimeCompliance('process', async () => {
  const { runtime, addresses } = harness(3);
  return {
    runtime,
    addresses,
    cleanup: async () => {
      await runtime.close();
      await waitFor('no child process left', () => liveChildren().length === 0);
    },
  };
});

describe('image convention', () => {
  const c = (image: string, more: Partial<ContainerSpec> = {}): ContainerSpec => ({ name: 'c', image, ...more });
  it('maps images to programs, and an explicit command wins', () => {
    expect(containerArgv(c('node:20', { args: ['server.js'] }))).toEqual([process.execPath, 'server.js']);
    expect(containerArgv(c('node', { args: ['node', 'server.js'] }))).toEqual([process.execPath, 'server.js']);
    expect(containerArgv(c('busybox:1.36'))).toEqual(['/bin/sh']);
    expect(containerArgv(c('alpine', { args: ['sh', '-c', 'echo hi'] }))).toEqual(['sh', '-c', 'echo hi']);
    expect(containerArgv(c('docker.io/library/bash:5', { command: ['/bin/echo'], args: ['x'] }))).toEqual(['/bin/echo', 'x']);
    expect(() => containerArgv(c('nginx:1.25'))).toThrow(NoCommandError);
  });
});

describe('process runtime', () => {
  let runtime: SupervisedRuntime;
  let addresses: PodAddressAllocator;
  afterEach(async () => {
    await runtime.close();
    await waitFor('no child process left', () => liveChildren().length === 0);
  });

  const running = (uid: string, name: string) =>
    waitFor(`${name} running`, () => {
      const c = runtime.podStatus(uid)?.containers.find((x) => x.name === name);
      return c !== undefined && 'running' in c.state ? c : undefined;
    });

  it('serves on the pod address, shares emptyDir between containers and writes configMap and secret files', async () => {
    ({ runtime, addresses } = harness(4));
    const req: RunPodRequest = {
      pod: { uid: 'vol-pod', name: 'vol', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        volumes: [{ name: 'shared', emptyDir: {} }, { name: 'conf', configMap: { name: 'app', items: [{ key: 'greeting', path: 'etc/greeting.txt' }] } }, { name: 'creds', secret: { secretName: 'db' } }],
        containers: [
          { name: 'web', image: 'barque/sim', args: ['serve-http 8080'] },
          { name: 'writer', image: 'busybox', args: ['sh', '-c', 'cat conf/etc/greeting.txt > cache/out; cat "$BARQUE_VOLUME_CREDS/password" >> cache/out; sleep 4401'], volumeMounts: [{ name: 'shared', mountPath: '/cache' }, { name: 'conf', mountPath: '/conf' }] },
          { name: 'reader', image: 'busybox', command: ['sh', '-c'], args: ['until [ -s "$BARQUE_VOLUME_SHARED/out" ]; do sleep 0.05; done; cat "$BARQUE_VOLUME_SHARED/out"'], volumeMounts: [{ name: 'shared', mountPath: '/data' }] },
        ],
      },
      configMaps: { app: { greeting: 'hello from a configmap\n' } },
      secrets: { db: { password: 's3cret' } },
    };
    const status = await runtime.runPod(req);
    await running('vol-pod', 'web');
    const body = await waitForAsync('the web container answering on its pod IP', () =>
      new Promise<string | undefined>((resolve) =>
        http
          .get({ host: status.podIP, port: 8080 }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d)).on('end', () => resolve(b));
          })
          .on('error', () => resolve(undefined)),
      ),
    );
    expect(body).toBe('vol');
    await waitFor('reader done', () => {
      const c = runtime.podStatus('vol-pod')?.containers.find((x) => x.name === 'reader');
      return c !== undefined && 'terminated' in c.state;
    });
    expect(await collect(runtime.readLogs('vol-pod', 'reader'))).toEqual(['hello from a configmap', 's3cret']);
    expect(processesWith('sleep 4401')).toHaveLength(1);
    await runtime.removePod('vol-pod', 0);
    expect(processesWith('sleep 4401')).toEqual([]);
    expect(addresses.allocated).toBe(0);
  });

  it('kills the whole process group: nothing a container forked outlives it', async () => {
    ({ runtime, addresses } = harness(5));
    const req: RunPodRequest = {
      pod: { uid: 'fork-pod', name: 'fork', namespace: 'default' },
      spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 1, containers: [{ name: 'forker', image: 'busybox', args: ['sh', '-c', 'trap "" TERM; sleep 4402 & sleep 4403 & wait'] }] },
    };
    await runtime.runPod(req);
    await running('fork-pod', 'forker');
    await waitFor('both background sleeps', () => processesWith('sleep 4402').length + processesWith('sleep 4403').length === 2);
    runtime.killContainer('fork-pod', 'forker', 'SIGKILL');
    await waitFor('restarted', () => runtime.podStatus('fork-pod')?.containers[0].restartCount === 1);
    await waitFor('the first attempt\'s children gone, the second\'s there', () => processesWith('sleep 4402').length + processesWith('sleep 4403').length === 2);
    await runtime.stopPod('fork-pod');
    expect(runtime.podStatus('fork-pod')?.containers[0].state).toMatchObject({ terminated: { exitCode: 137, signal: 'SIGKILL' } });
    expect([...processesWith('sleep 4402'), ...processesWith('sleep 4403')]).toEqual([]);
  });

  it('enforces a memory limit by killing the container (OOMKilled), and reports a command it cannot start', async () => {
    ({ runtime, addresses } = harness(6));
    const req: RunPodRequest = {
      pod: { uid: 'oom-pod', name: 'oom', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'hog', image: 'node:20', args: ['-e', 'const k = []; setInterval(() => k.push(Buffer.alloc(16 << 20, 1)), 20)'], resources: { limits: { memory: '100Mi' } } },
          { name: 'broken', image: 'busybox', command: ['/no/such/program'] },
        ],
      },
    };
    await runtime.runPod(req);
    const hog = await waitFor('hog killed', () => runtime.podStatus('oom-pod')?.containers.find((c) => c.name === 'hog' && 'terminated' in c.state));
    expect(hog.state).toMatchObject({ terminated: { reason: 'OOMKilled', exitCode: 137 } });
    const broken = await waitFor('broken failed', () => runtime.podStatus('oom-pod')?.containers.find((c) => c.name === 'broken' && 'terminated' in c.state));
    expect(broken.state).toMatchObject({ terminated: { reason: 'StartError', exitCode: 128, message: expect.stringContaining('ENOENT') } });
  });

  it('refuses a pod whose configMap data is missing, leaving no address or directory behind', async () => {
    ({ runtime, addresses } = harness(8));
    const req: RunPodRequest = {
      pod: { uid: 'no-cm', name: 'no-cm', namespace: 'default' },
      spec: { volumes: [{ name: 'conf', configMap: { name: 'absent' } }], containers: [{ name: 'c', image: 'busybox', args: ['true'] }] },
    };
    await expect(runtime.runPod(req)).rejects.toThrow('configmap "absent" not found');
    expect(addresses.allocated).toBe(0);
    expect(runtime.podStatus('no-cm')).toBeUndefined();
  });

  it('reaps containers a crashed kubelet left running, and nothing else', async () => {
    ({ runtime, addresses } = harness(9));
    const leftRoot = fs.mkdtempSync(path.join(root, 'left-'));
    const crashed = createProcessRuntime({ root: leftRoot, addresses: new PodAddressAllocator(nodeAddressRange(10)), clock: realClock });
    const req = simPod({}, { containers: [{ name: 'c', image: 'busybox', args: ['sh', '-c', 'sleep 4404 & sleep 4405; wait'] }] });
    await crashed.runPod(req);
    await waitFor('running', () => crashed.podStatus(req.pod.uid)?.containers.every((c) => 'running' in c.state));
    await waitFor('both sleeps', () => processesWith('sleep 4404').length + processesWith('sleep 4405').length === 2);
    const stray = spawn('sleep', ['4406'], { detached: true, stdio: 'ignore' });
    fs.writeFileSync(path.join(leftRoot, 'pods', req.pod.uid, 'c', '7.pgid'), String(stray.pid));
    try {
      // The kubelet is gone without stopping anything; its successor reaps the container, not the stray group.
      expect(reapLeftovers(leftRoot)).toBe(1);
      await waitFor('the container\'s processes gone', () => processesWith('sleep 4404').length + processesWith('sleep 4405').length === 0);
      expect(processesWith('sleep 4406')).toEqual([stray.pid]);
    } finally {
      stray.kill('SIGKILL');
      await crashed.close();
    }
  });

  it('measures a busy container\'s CPU and memory', async () => {
    ({ runtime, addresses } = harness(7));
    const req = simPod({}, { containers: [{ name: 'spin', image: 'node', args: ['-e', 'const b = Buffer.alloc(32 << 20, 1); for (;;) b[0]++'] }] });
    await runtime.runPod(req);
    await running(req.pod.uid, 'spin');
    await runtime.stats(req.pod.uid);
    const usage = await waitForAsync('CPU use measured', async () => {
      const s = (await runtime.stats(req.pod.uid)).containers[0];
      return s.usageNanoCores > 50_000_000 && s.workingSetBytes > 32 << 20 ? s : undefined;
    });
    expect(usage.usageCoreNanoSeconds).toBeGreaterThan(0);
  });
});
